import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Exchange } from '../src/access-log.ts';
import {
  createMetricsRegistry,
  databasePoolMetrics,
  MAX_OPERATION_LABELS,
  metricsListen,
  MetricsConfigError,
  operationLabels,
  outcomeLabel,
  requestMetrics,
  serveMetrics,
} from '../src/metrics.ts';

const EXCHANGE: Exchange = { requestId: 'r', method: 'POST', path: '/graphql', status: 200, durationMs: 250, completed: true, operationName: 'CreditCheck', errors: [] };

describe('METRICS_PORT and METRICS_HOST', () => {
  const defaults = { port: 9464, host: '0.0.0.0' };
  it('defaults to the service default, takes a port or 0, and off switches metrics off', () => {
    expect(metricsListen({}, defaults)).toEqual(defaults);
    expect(metricsListen({ METRICS_PORT: '' }, defaults)).toEqual(defaults);
    expect(metricsListen({ METRICS_PORT: '9999', METRICS_HOST: '127.0.0.1' }, defaults)).toEqual({ port: 9999, host: '127.0.0.1' });
    expect(metricsListen({ METRICS_PORT: '0' }, defaults)).toEqual({ port: 0, host: '0.0.0.0' });
    expect(metricsListen({ METRICS_PORT: 'off' }, defaults)).toBeUndefined();
  });

  it('refuses anything else as a configuration error', () => {
    for (const bad of ['65536', '-1', '94.64', 'nine', 'OFF', ' 9464']) {
      expect(() => metricsListen({ METRICS_PORT: bad }, defaults), bad).toThrow(MetricsConfigError);
    }
  });
});

describe('label values stay bounded', () => {
  it('labels the first names as themselves, later new names as other', () => {
    const label = operationLabels(3);
    expect(['A', 'B', 'A', 'C', 'D', 'E', 'B'].map(label)).toEqual(['A', 'B', 'A', 'C', 'other', 'other', 'B']);
    expect(label(null)).toBe('anonymous');
    expect(label(undefined)).toBe('none');
    const many = operationLabels();
    const labels = new Set(Array.from({ length: 10_000 }, (_, i) => many(`Op${i}`)));
    expect(labels.size).toBe(MAX_OPERATION_LABELS + 1);
  });

  it('takes the outcome from the first error code of the catalogue, else the status', () => {
    expect(outcomeLabel(EXCHANGE)).toBe('ok');
    expect(outcomeLabel({ ...EXCHANGE, errors: [{ code: 'RATE_LIMITED' }, { code: 'FORBIDDEN' }] })).toBe('RATE_LIMITED');
    expect(outcomeLabel({ ...EXCHANGE, errors: [{ code: 'SOMETHING_A_SUBGRAPH_MADE_UP' }] })).toBe('INTERNAL_SERVER_ERROR');
    expect(outcomeLabel({ ...EXCHANGE, status: 502 })).toBe('HTTP_502');
    expect(outcomeLabel({ ...EXCHANGE, completed: false })).toBe('aborted');
  });
});

describe('a service registry served on its own listener', () => {
  it('serves the request histogram, a counter, pool gauges and the default metrics at /metrics, and 404 elsewhere', async () => {
    const registry = createMetricsRegistry();
    const observe = requestMetrics(registry, '/graphql');
    observe(EXCHANGE);
    observe({ ...EXCHANGE, path: '/ready' }); // not a GraphQL request: not counted
    new Counter({ name: 'credit_graph_test_total', help: 'a test counter', registers: [registry] }).inc(3);
    databasePoolMetrics(registry, { poolStats: () => ({ total: 4, idle: 1, waiting: 2, max: 10 }) });
    const http = await serveMetrics(registry, { port: 0, host: '127.0.0.1' });
    try {
      const response = await fetch(`http://127.0.0.1:${http.port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toContain('credit_graph_request_duration_seconds_count{operation="CreditCheck",outcome="ok"} 1');
      expect(text).toContain('credit_graph_request_duration_seconds_bucket{le="0.25",operation="CreditCheck",outcome="ok"} 1');
      expect(text).toContain('credit_graph_request_duration_seconds_bucket{le="0.1",operation="CreditCheck",outcome="ok"} 0');
      expect(text).toContain('credit_graph_test_total 3');
      expect(text).toMatch(/^credit_graph_db_pool_connections 4$/m);
      expect(text).toMatch(/^credit_graph_db_pool_waiting_clients 2$/m);
      expect(text).toMatch(/^process_cpu_seconds_total \d/m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
      const elsewhere = await fetch(`http://127.0.0.1:${http.port}/graphql`);
      expect(elsewhere.status).toBe(404);
      expect((await elsewhere.json()).errors[0].extensions.code).toBe('NOT_FOUND');
    } finally {
      await http.close();
    }
  });

  it('registers no pool gauges for a database without a pool (PGlite)', async () => {
    const registry = createMetricsRegistry();
    databasePoolMetrics(registry, {});
    expect(await registry.metrics()).not.toContain('credit_graph_db_pool');
  });

  it('keeps two services in one process apart (one registry each)', async () => {
    const a = createMetricsRegistry();
    const b = createMetricsRegistry();
    requestMetrics(a, '/graphql')(EXCHANGE);
    requestMetrics(b, '/graphql');
    expect(await a.metrics()).toContain('credit_graph_request_duration_seconds_count{operation="CreditCheck",outcome="ok"} 1');
    expect(await b.metrics()).not.toContain('operation="CreditCheck"');
  });
});

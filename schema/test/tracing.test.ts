// When traces are on, and that "off" costs nothing: without an OTLP endpoint or a traces
// exporter, starting tracing registers no tracer provider and loads none of the SDK. Each case
// runs in a fresh Node process (tracing patches modules process-wide, once).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serviceName, tracingConfigured } from '../src/tracing.ts';

const TRACING = fileURLToPath(new URL('../src/tracing.ts', import.meta.url));

/** What a process sees after startTracing('gateway') in `env` (none of this process's OTEL_*). */
function probe(env: Record<string, string>): { started: boolean; registered: string[]; loaded: string[] } {
  const code = `
    import { createRequire } from 'node:module';
    const { startTracing, stopTracing } = await import(${JSON.stringify(TRACING)});
    const started = await startTracing('gateway');
    const registry = globalThis[Symbol.for('opentelemetry.js.api.1')] ?? {};
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes('@opentelemetry'));
    console.log(JSON.stringify({ started, registered: Object.keys(registry).filter((key) => key !== 'version'), loaded }));
    await stopTracing();
  `;
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as { started: boolean; registered: string[]; loaded: string[] };
}

describe('tracing is off unless configured', () => {
  it('reads the standard variables: an OTLP endpoint or a traces exporter switches it on; none, or the SDK disabled, off', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBe(false);
    expect(tracingConfigured({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
    expect(tracingConfigured({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
  });

  it('names services credit-graph-<service>', () => {
    expect(serviceName('gateway')).toBe('credit-graph-gateway');
    expect(serviceName('supply-chain')).toBe('credit-graph-supply-chain');
  });

  it('registers no tracer provider and loads nothing of OpenTelemetry without an endpoint', () => {
    expect(probe({})).toEqual({ started: false, registered: [], loaded: [] });
  });

  it('registers the SDK (tracer provider, context, propagation) once an endpoint is configured', () => {
    // Nothing listens there: spans would be dropped after the exporter's timeout, none are made.
    const on = probe({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(on.started).toBe(true);
    expect(on.registered).toEqual(expect.arrayContaining(['trace', 'context', 'propagation']));
    expect(on.loaded.some((file) => file.includes('@opentelemetry/sdk-node'))).toBe(true);
  });
});

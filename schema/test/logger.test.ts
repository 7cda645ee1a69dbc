import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { captureLogs } from '@credit-graph/subgraph-kit/testing';
import { accessLogger, type Exchange } from '../src/access-log.ts';
import { createLogger, logLevel, LogLevelError, REDACTED } from '../src/logger.ts';
import { withRequestId } from '../src/request-id.ts';

const capture = (level?: 'info' | 'debug' | 'warn') => captureLogs('test-service', level);

const EXCHANGE: Exchange = {
  requestId: 'req-1',
  method: 'POST',
  path: '/graphql',
  status: 200,
  durationMs: 12.6,
  completed: true,
  operationName: 'CreditCheck',
  role: 'BANK',
  institution: '91410100MA44XXXX1X',
  errors: [],
};

describe('service logs (pino)', () => {
  it('writes JSON lines with the service, an ISO time, the level name and the request id inside a request', () => {
    const { logger, records } = capture();
    logger.info('outside');
    withRequestId('abc-123', () => logger.warn('inside'));
    const [outside, inside] = records();
    expect(outside).toMatchObject({ service: 'test-service', level: 'info', msg: 'outside' });
    expect(outside!.requestId).toBeUndefined();
    expect(new Date(outside!.time as string).toISOString()).toBe(outside!.time);
    expect(inside).toMatchObject({ level: 'warn', msg: 'inside', requestId: 'abc-123' });
  });

  it('censors credentials, variables and personal-data fields wherever a careless call puts them', () => {
    const { logger, lines, records } = capture();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer eyJ.secret.token', 'x-api-key': 'cgk_live_key', 'x-credit-graph-caller': 'signed-claims' } },
        headers: { 'x-api-key': 'cgk_other_key', cookie: 'session=1' },
        body: { query: 'query ($name: String!) { x }', variables: { name: '张三', idNumber: '410105199001011234' } },
        input: { phone: '13800138000', idNumber: '410105198001011234' },
        token: 'top-level-token',
      },
      'careless',
    );
    const text = lines.join('\n');
    for (const secret of ['eyJ.secret.token', 'cgk_live_key', 'signed-claims', 'cgk_other_key', 'session=1', '张三', '410105199001011234', '13800138000', '410105198001011234', 'top-level-token']) {
      expect(text).not.toContain(secret);
    }
    const [record] = records() as any[];
    expect(record.req.headers.authorization).toBe(REDACTED);
    expect(record.headers['x-api-key']).toBe(REDACTED);
    expect(record.body.variables).toBe(REDACTED);
    expect(record.input.phone).toBe(REDACTED);
  });

  it('keeps the detail of console-style calls (message, then values) in the message', () => {
    const { logger, records } = capture();
    // As the modules that take a Pick<Console, 'error'> call it.
    const consoleStyle: Pick<Console, 'error'> = logger;
    consoleStyle.error('[gateway] audit write of 3 record(s) failed:', 'connection refused');
    consoleStyle.error('failed:', new Error('boom'));
    const [first, second] = records();
    expect(first!.msg).toBe('[gateway] audit write of 3 record(s) failed: connection refused');
    expect(second!.msg).toMatch(/^failed: Error: boom\n\s+at /);
  });

  it('reads LOG_LEVEL: a pino level, default info; anything else is a configuration error', () => {
    expect(logLevel({})).toBe('info');
    expect(logLevel({ LOG_LEVEL: 'debug' })).toBe('debug');
    expect(logLevel({ LOG_LEVEL: 'silent' })).toBe('silent');
    expect(() => logLevel({ LOG_LEVEL: 'verbose' })).toThrow(LogLevelError);
    expect(() => logLevel({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"/);
    const { logger, lines } = capture('warn');
    logger.info('dropped');
    logger.warn('kept');
    expect(lines).toHaveLength(1);
  });
});

describe('the access line', () => {
  it('names the request, operation, caller role and institution, status, whole milliseconds and outcome', () => {
    const { logger, records } = capture();
    accessLogger(logger, '/graphql')(EXCHANGE);
    expect(records()).toEqual([
      expect.objectContaining({
        msg: 'request',
        level: 'info',
        requestId: 'req-1',
        method: 'POST',
        path: '/graphql',
        status: 200,
        durationMs: 13,
        operationName: 'CreditCheck',
        role: 'BANK',
        institution: '91410100MA44XXXX1X',
        outcome: 'ok',
      }),
    ]);
    expect(records()[0]!.errors).toBeUndefined();
  });

  it('lists the distinct error codes, says error for a refusal and aborted for a client that left', () => {
    const { logger, records } = capture();
    const log = accessLogger(logger, '/graphql');
    log({ ...EXCHANGE, status: 200, errors: [{ code: 'SUBGRAPH_UNAVAILABLE' }, { code: 'SUBGRAPH_UNAVAILABLE' }, { code: 'FORBIDDEN' }] });
    log({ ...EXCHANGE, status: 401, operationName: undefined, role: undefined, institution: undefined, errors: [] });
    log({ ...EXCHANGE, completed: false });
    const [partial, refused, aborted] = records();
    expect(partial).toMatchObject({ outcome: 'error', errors: ['SUBGRAPH_UNAVAILABLE', 'FORBIDDEN'] });
    expect(refused).toMatchObject({ outcome: 'error', status: 401 });
    expect(refused).not.toHaveProperty('operationName');
    expect(refused).not.toHaveProperty('role');
    expect(aborted).toMatchObject({ outcome: 'aborted' });
  });

  it('logs probes and other paths at debug only', () => {
    const info = capture('info');
    accessLogger(info.logger, '/graphql')({ ...EXCHANGE, path: '/ready', operationName: undefined });
    expect(info.lines).toEqual([]);
    const debug = capture('debug');
    accessLogger(debug.logger, '/graphql')({ ...EXCHANGE, path: '/ready', operationName: undefined });
    expect(debug.records()).toEqual([expect.objectContaining({ level: 'debug', path: '/ready' })]);
  });
});

describe('stdout', () => {
  // The in-process npm start holds the gateway's and six subgraphs' loggers: with a stream each,
  // their asynchronous writes interleaved mid-line.
  it('is one stream for every logger of the process, so lines from several services never tear', () => {
    const gateway = createLogger('gateway', { level: 'silent' });
    const registry = createLogger('registry', { level: 'silent' });
    const stream = (logger: object) => (logger as Record<symbol, unknown>)[pino.symbols.streamSym];
    expect(stream(gateway)).toBeDefined();
    expect(stream(gateway)).toBe(stream(registry));
  });
});

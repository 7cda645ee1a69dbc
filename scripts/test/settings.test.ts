// Settings declared once with zod: every bad variable reported at once, at start-up, by the real
// processes (exit 1, one message naming each, no stack trace); `config check` printing effective
// settings with secrets redacted; the engine's parsing and redaction.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { effectiveSettings, redactValue, REDACTED, SettingsError } from '@credit-graph/contract';
import { subgraphSettings } from '@credit-graph/subgraph-kit/settings';
import { ConfigError, GATEWAY_SETTINGS, loadConfig } from '../../gateway/src/config.ts';
import { runCli } from '../../tests/support/processes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'a-caller-signing-secret-of-32-characters!';

/** `credit-graph <args>` with only `env` (and PATH/HOME), to its end (bounded). */
const cli = (args: string[], env: Record<string, string>, timeoutMs = 60_000) => runCli(args, env, timeoutMs);

/** Several mistakes at once, each of another kind. */
const BAD = {
  GATEWAY_PORT: 'eighty',
  SUBGRAPH_TIMEOUT_MS: '0',
  AUTHORIZATION_MODE: 'lenient',
  BUSINESS_TIME_ZONE: 'Mars/Olympus_Mons',
  TRUSTED_PROXIES: '10.0.0.0/8,not-an-address',
  DATABASE_POOL_SIZE: '-3',
  LOG_LEVEL: 'loud',
  REDIS_URL: 'http://cache:6379',
};

describe('start-up validation', () => {
  it('names every bad variable in one ConfigError, each with what it must be and what it got', () => {
    let error: unknown;
    try {
      loadConfig({ CALLER_SIGNING_SECRET: SECRET, ...BAD });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { issues, message } = error as ConfigError;
    expect(issues).toHaveLength(Object.keys(BAD).length);
    for (const name of Object.keys(BAD)) expect(message, name).toContain(name);
    expect(message).toContain('8 settings are invalid');
    expect(message).toContain('GATEWAY_PORT must be a non-negative integer, got "eighty"');
    expect(message).toContain('AUTHORIZATION_MODE must be "filter" or "reject", got "lenient"');
    expect(message).toContain('TRUSTED_PROXIES must list IP addresses');
  });

  it('refuses a duration past the longest timer (Node would fire it at once) and a bound past the largest safe integer', () => {
    // A reviewer's attack: ADMISSION_MAX_WAIT_MS=2147483648 made every wait end after 1 ms (OVERLOADED at once).
    for (const name of ['ADMISSION_MAX_WAIT_MS', 'SUBGRAPH_TIMEOUT_MS', 'SHUTDOWN_DRAIN_MS', 'AUDIT_WRITE_TIMEOUT_MS', 'READINESS_TIMEOUT_MS', 'DATABASE_STATEMENT_TIMEOUT_MS']) {
      expect(() => loadConfig({ CALLER_SIGNING_SECRET: SECRET, [name]: '2147483648' }), name).toThrow(`${name} must be at most 2147483647 ms`);
      expect(loadConfig({ CALLER_SIGNING_SECRET: SECRET, [name]: '2147483647' }), name).toBeDefined();
    }
    expect(() => loadConfig({ CALLER_SIGNING_SECRET: SECRET, ADMISSION_MAX_QUEUE: '9007199254740993' })).toThrow(/ADMISSION_MAX_QUEUE must be a non-negative integer/);
    expect(loadConfig({ CALLER_SIGNING_SECRET: SECRET, ADMISSION_MAX_WAIT_MS: '2147483647' }).admission.maxWaitMs).toBe(2_147_483_647);
  });

  it('reports rules across variables together with the rest (both keys, production without audit keys)', () => {
    const issues = GATEWAY_SETTINGS.issues({
      CALLER_SIGNING_SECRET: SECRET,
      CALLER_SIGNING_KEYS: `k1:${SECRET}`,
      NODE_ENV: 'production',
      TRUST_LAYER: 'off',
      MAX_BODY_BYTES: '1.5',
    });
    expect(issues.join('\n')).toMatch(/not both/);
    expect(issues.join('\n')).toMatch(/AUDIT_HMAC_KEYS is required when NODE_ENV=production/);
    expect(issues.join('\n')).toMatch(/TRUST_LAYER=off .* refused when NODE_ENV=production/);
    expect(issues.join('\n')).toMatch(/MAX_BODY_BYTES must be a non-negative integer, got "1.5"/);
    expect(issues).toHaveLength(4);
  });

  it('keeps defaults and accepted values as before the schema', () => {
    const config = loadConfig({ CALLER_SIGNING_SECRET: SECRET });
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', maxBodyBytes: 1024 * 1024, authorizationMode: 'filter', trustLayer: true, trustedProxies: [] });
    expect(config.subgraphCalls).toEqual({ timeoutMs: 15_000, retries: 2, circuitThreshold: 5, circuitCooldownMs: 5000 });
    expect(config.databaseTimeouts).toEqual({ poolSize: 10, connectTimeoutMs: 5000, statementTimeoutMs: 15_000 });
    // Empty is unset for numbers and switches.
    expect(loadConfig({ CALLER_SIGNING_SECRET: SECRET, GATEWAY_PORT: '', TRUST_LAYER: '' })).toMatchObject({ port: 4000, trustLayer: true });
    expect(loadConfig({ CALLER_SIGNING_SECRET: SECRET, TRUSTED_PROXIES: ' 10.0.0.0/8 , fd00::/8,192.0.2.7 ' }).trustedProxies).toEqual(['10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
  });

  it('the gateway process prints every bad variable in one message and exits 1, without a stack trace', async () => {
    const run = await cli(['gateway'], { CALLER_SIGNING_SECRET: SECRET, ...BAD });
    expect(run.code, run.stderr).toBe(1);
    for (const name of Object.keys(BAD)) expect(run.stderr, name).toContain(name);
    expect(run.stderr).toContain('[gateway] configuration error: 8 settings are invalid');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('a subgraph process does the same with its own variables', async () => {
    const run = await cli(['subgraph', 'finance'], { PORT: 'x', SEED_ENTERPRISES: 'many', BUSINESS_TIME_ZONE: 'Nowhere', FINANCE_DATABASE_URL: 'mysql://db/finance' });
    expect(run.code, run.stderr).toBe(1);
    for (const name of ['PORT', 'SEED_ENTERPRISES', 'BUSINESS_TIME_ZONE', 'FINANCE_DATABASE_URL', 'CALLER_SIGNING_SECRET']) expect(run.stderr, name).toContain(name);
    expect(run.stderr).toContain('[finance] configuration error: 5 settings are invalid');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('credit-graph config check', () => {
  it('prints the effective settings with every secret redacted, and exits 0', async () => {
    const run = await cli(['config', 'check', '--service', 'gateway'], {
      CALLER_SIGNING_SECRET: SECRET,
      JWT_SECRET: 'a-jwt-secret-that-nobody-may-read-0123456789',
      AUDIT_HMAC_KEYS: `k1:${'ab'.repeat(32)}`,
      GATEWAY_DATABASE_URL: 'postgresql://credit:s3cr3t-password@db.internal:5432/gateway?sslpassword=other-secret',
      REDIS_URL: 'redis://:redis-password@cache:6379/0',
      GATEWAY_PORT: '8080',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^gateway: ok$/m);
    expect(run.stdout).toMatch(/GATEWAY_PORT\s+8080$/m);
    expect(run.stdout).toMatch(/RATE_LIMIT_CAPACITY\s+200\s+\(default\)$/m);
    expect(run.stdout).toMatch(/GATEWAY_DATABASE_URL\s+postgresql:\/\/credit:\*\*\*@db\.internal:5432\/gateway\?\*\*\*$/m);
    expect(run.stdout).toMatch(/REDIS_URL\s+redis:\/\/:\*\*\*@cache:6379\/0$/m);
    expect(run.stdout).toMatch(new RegExp(`CALLER_SIGNING_SECRET\\s+${REDACTED}$`, 'm'));
    for (const secret of [SECRET, 'a-jwt-secret-that-nobody', 'abababab', 's3cr3t-password', 'other-secret', 'redis-password']) expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it('without --service checks the gateway and every subgraph, lists every problem and exits 1', async () => {
    const run = await cli(['config', 'check'], { CALLER_SIGNING_SECRET: SECRET, READINESS_TIMEOUT_MS: 'soon', TRADE_DATABASE_URL: 'nonsense' });
    expect(run.code).toBe(1);
    for (const service of ['gateway', 'registry', 'finance', 'supply-chain', 'environment', 'housekeeping', 'trade']) expect(run.stdout).toMatch(new RegExp(`^${service}: `, 'm'));
    expect(run.stderr).toContain('configuration error: 8 settings are invalid'); // READINESS_TIMEOUT_MS in 7 services, TRADE_DATABASE_URL in trade
    expect(run.stderr).toContain('trade: TRADE_DATABASE_URL is not a URL');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses an unknown service as a usage mistake (exit 2)', async () => {
    const run = await cli(['config', 'check', '--service', 'nowhere'], {});
    expect(run.code).toBe(2);
  });
});

describe('the settings engine', () => {
  it('redacts secrets whole and URLs to their password and query', () => {
    expect(redactValue('hunter2', 'value')).toBe(REDACTED);
    expect(redactValue('postgresql://u:p@h:5432/d', 'url')).toBe('postgresql://u:***@h:5432/d');
    expect(redactValue('postgresql://h/d?password=p', 'url')).toBe('postgresql://h/d?***');
    expect(redactValue('not a url but maybe a password', 'url')).toBe(REDACTED);
    expect(redactValue('plain', undefined)).toBe('plain');
  });

  it('says where each effective value comes from', () => {
    const lines = effectiveSettings(GATEWAY_SETTINGS, { GATEWAY_PORT: '81', JWT_SECRET: 'x'.repeat(40) });
    expect(lines.find((l) => l.name === 'GATEWAY_PORT')).toEqual({ name: 'GATEWAY_PORT', value: '81', source: 'environment' });
    expect(lines.find((l) => l.name === 'JWT_SECRET')).toEqual({ name: 'JWT_SECRET', value: REDACTED, source: 'environment' });
    expect(lines.find((l) => l.name === 'SUBGRAPH_RETRIES')).toEqual({ name: 'SUBGRAPH_RETRIES', value: '2', source: 'default' });
    expect(lines.find((l) => l.name === 'REDIS_URL')).toEqual({ name: 'REDIS_URL', value: '', source: 'unset' });
  });

  it('a subgraph schema composes the shared parts once', () => {
    const schema = subgraphSettings('supply-chain');
    const names = Object.keys(schema.settings);
    const error = (() => {
      try {
        schema.parse({ SUPPLY_CHAIN_DATABASE_URL: 'postgresql://u:p@h/db', CALLER_SIGNING_KEYS: 'bad' });
      } catch (caught) {
        return caught;
      }
    })();
    for (const name of ['SUPPLY_CHAIN_DATABASE_URL', 'DATABASE_POOL_SIZE', 'CALLER_SIGNING_SECRET', 'BUSINESS_TIME_ZONE', 'REDIS_URL', 'READINESS_TIMEOUT_MS', 'LOG_LEVEL', 'PORT']) expect(names).toContain(name);
    expect(names).not.toContain('GATEWAY_PORT');
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).issues).toEqual(['CALLER_SIGNING_KEYS entries are "kid:secret", comma-separated']);
  });
});

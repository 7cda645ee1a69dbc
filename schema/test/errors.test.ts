import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { createErrorFormatter, creditGraphError, ERROR_CATALOGUE, errorResponsePlugin, isDatabaseUnavailable, isSubgraphDatabaseDown, responseStatus } from '../src/errors.ts';
import { withRequestId } from '../src/request-id.ts';

describe('error catalogue', () => {
  it('is documented row for row in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Map(
      [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d+) \|/gm)].map((match) => [match[1], Number(match[2])]),
    );
    const catalogued = new Map(Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, entry.status]));
    expect(documented).toEqual(catalogued);
  });
});

describe('error hygiene (formatError)', () => {
  const logged: string[] = [];
  const format = createErrorFormatter({ error: (...parts: unknown[]) => void logged.push(parts.map(String).join(' ')) });
  const formatted = (error: GraphQLError) => format(error.toJSON(), error);

  it('passes a catalogued error raised on purpose, with the request id', () => {
    const error = creditGraphError('IDEMPOTENCY_KEY_REUSED', 'idempotencyKey "k" was already used', { field: 'idempotencyKey' });
    const out = withRequestId('req-1', () => formatted(error));
    expect(out).toEqual({ message: 'idempotencyKey "k" was already used', extensions: { code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey', requestId: 'req-1' } });
  });

  it('withholds an accidental error (a database failure wrapped by graphql-js), logging it in full with the request id', () => {
    logged.length = 0;
    const prisma = new Error('Invalid `prisma.auditRecord.findMany()` invocation in /work/gateway/src/audit/audit.ts:301:7');
    const located = new GraphQLError(prisma.message, { originalError: prisma, path: ['myQueryRecords'] });
    const out = withRequestId('req-2', () => formatted(located));
    expect(out).toEqual({ message: 'Internal server error', path: ['myQueryRecords'], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-2' } });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('req-2');
    expect(logged[0]).toContain('prisma.auditRecord.findMany()');
  });

  it('withholds an uncatalogued code passed on by @apollo/gateway, and internal extensions of any error', () => {
    const downstream = new GraphQLError('Invalid `prisma.x()` invocation', { extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'trust' } });
    expect(formatted(downstream)).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const withInternals = new GraphQLError('Bad input', { extensions: { code: 'BAD_USER_INPUT', stacktrace: ['at x (/work/a.ts:1:1)'], response: { url: 'http://10.0.0.5:4101/graphql' } } });
    expect(formatted(withInternals)).toEqual({ message: 'Bad input', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('reports the client mistakes Apollo and the gateway code differently as BAD_REQUEST', () => {
    for (const code of ['OPERATION_RESOLUTION_FAILURE', 'INVALID_GRAPHQL']) {
      const error = new GraphQLError('Must provide operation name if query contains multiple operations.', { extensions: { code } });
      expect(formatted(error).extensions?.code).toBe('BAD_REQUEST');
    }
  });
});

describe("a subgraph's database that does not answer", () => {
  /** An error as a resolver's read surfaces it: graphql-js's GraphQLError around the driver's error. */
  const located = (cause: unknown) => new GraphQLError('Invalid `prisma.x()` invocation', { originalError: Object.assign(new Error('Invalid `prisma.x()` invocation'), { cause }), path: ['enterprise'] });
  // Each kind of "did not answer" the drivers report: Prisma's driver adapter kinds, socket codes,
  // Prisma's P-codes, PostgreSQL SQLSTATEs (shutdown, connection class, statement timeout), pg's messages.
  const UNAVAILABLE = [
    { kind: 'DatabaseNotReachable', host: '10.0.0.5', port: 5432 },
    { kind: 'ConnectionClosed' },
    { kind: 'SocketTimeout' },
    Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error("Can't reach database server"), { code: 'P1001' }),
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
  ];
  // Failures that are not the database going away: they stay INTERNAL_SERVER_ERROR.
  const OTHER = [
    Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
    { kind: 'UniqueConstraintViolation' },
    new TypeError("Cannot read properties of undefined (reading 'grade')"),
    Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' }),
  ];

  it('recognises every kind of unavailability, however deeply wrapped, and nothing else', () => {
    for (const cause of UNAVAILABLE) expect(isDatabaseUnavailable(located(cause)), JSON.stringify(cause)).toBe(true);
    for (const cause of OTHER) expect(isDatabaseUnavailable(located(cause)), String(cause)).toBe(false);
    // A cycle of causes ends.
    const cyclic: { cause?: unknown } = {};
    cyclic.cause = cyclic;
    expect(isDatabaseUnavailable(cyclic)).toBe(false);
  });

  it('is SUBGRAPH_UNAVAILABLE naming the subgraph, never its address, logged in one line without a stack', () => {
    const logged: string[] = [];
    const format = createErrorFormatter({ error: (...parts: unknown[]) => void logged.push(parts.map(String).join(' ')) }, { subgraph: 'finance', warningIntervalMs: 60_000 });
    for (const cause of UNAVAILABLE) {
      const error = located(cause);
      const out = withRequestId('req-db', () => format(error.toJSON(), error));
      expect(out).toEqual({
        message: 'The finance service did not answer; the fields it owns are null. Retry later.',
        path: ['enterprise'],
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'finance', reason: 'unreachable', requestId: 'req-db' },
      });
      expect(isSubgraphDatabaseDown(out, 'finance')).toBe(true);
      expect(isSubgraphDatabaseDown(out, 'registry')).toBe(false);
    }
    expect(logged).toEqual([expect.stringMatching(/^\[error\] the finance database does not answer; its reads and writes are answered SUBGRAPH_UNAVAILABLE \(request req-db\)$/)]);
    // Another failure is still withheld and logged in full.
    const other = located(OTHER[0]);
    expect(format(other.toJSON(), other).extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(logged).toHaveLength(2);
    // The registry's own SUBGRAPH_UNAVAILABLE about a sector (its evaluation) is not its database down.
    expect(isSubgraphDatabaseDown({ extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'registry', reason: 'no answer for the evaluation' } }, 'registry')).toBe(false);
  });

  it("leaves the gateway's own database failures to the gateway: without a subgraph name they are INTERNAL_SERVER_ERROR", () => {
    const format = createErrorFormatter({ error: () => undefined });
    const error = located({ kind: 'DatabaseNotReachable' });
    expect(format(error.toJSON(), error).extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('the status rule', () => {
  const error = (code: string) => ({ extensions: { code } });

  it('is the catalogued status of the first error when nothing was answered, 200 otherwise', () => {
    expect(responseStatus({ errors: [error('IDEMPOTENCY_KEY_REUSED')] })).toBe(409);
    expect(responseStatus({ data: null, errors: [error('INVALID_TRANSITION'), error('FORBIDDEN')] })).toBe(409);
    expect(responseStatus({ data: { traceabilityCode: null }, errors: [error('BAD_USER_INPUT')] })).toBe(400);
    expect(responseStatus({ data: { districts: [], traceabilityCode: null }, errors: [error('BAD_USER_INPUT')] })).toBe(200);
    expect(responseStatus({ data: { enterprise: null } })).toBe(200);
    expect(responseStatus({ errors: [error('SUBGRAPH_UNAVAILABLE')] })).toBe(200);
    expect(responseStatus({ errors: [error('SOMETHING_ELSE')] })).toBe(500);
  });
});

describe('INTERNAL_SERVER_ERROR', () => {
  const format = createErrorFormatter({ error: () => undefined });

  it('keeps the message our own code gave it, and withholds the one a subgraph or a missing code gave', () => {
    const failingClosed = creditGraphError('INTERNAL_SERVER_ERROR', 'The operation safelist could not be read; try again');
    expect(format(failingClosed.toJSON(), failingClosed).message).toBe('The operation safelist could not be read; try again');
    const fromSubgraph = new GraphQLError('relation "Objection" does not exist', { extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'registry' } });
    expect(format(fromSubgraph.toJSON(), fromSubgraph).message).toBe('Internal server error');
    const nonNull = new GraphQLError('Cannot return null for non-nullable field Query.districts.');
    expect(format({ ...nonNull.toJSON(), extensions: { code: 'INTERNAL_SERVER_ERROR' } }, nonNull).message).toBe('Internal server error');
  });
});

describe('Retry-After', () => {
  // A refusal that says when to come back says it in the header too (RFC 9110 §10.2.3): a
  // client pacing itself by headers must not retry at once (the report and verification buckets).
  const server = new ApolloServer({
    typeDefs: 'type Query { ok: Boolean } type Mutation { issue: Boolean! refuse(seconds: Int!): Boolean }',
    resolvers: {
      Query: { ok: () => true },
      Mutation: {
        issue: () => {
          throw creditGraphError('RATE_LIMITED', 'At most 6 credit reports a minute', { retryAfterSeconds: 20 });
        },
        refuse: (_: unknown, { seconds }: { seconds: number }) => {
          throw creditGraphError('RATE_LIMITED', 'later', { retryAfterSeconds: seconds });
        },
      },
    },
    plugins: [errorResponsePlugin],
  });
  const send = async (query: string) => {
    const response = await server.executeOperation({ query });
    return { status: response.http.status, retryAfter: response.http.headers.get('retry-after') };
  };

  it('is set from extensions.retryAfterSeconds on a 429 (the longest sane one), and left out without a sane whole number of seconds', async () => {
    expect(await send('mutation { issue }')).toEqual({ status: 429, retryAfter: '20' });
    expect(await send('mutation { refuse(seconds: 0) }')).toEqual({ status: 429, retryAfter: undefined });
    expect(await send('mutation { issue a: refuse(seconds: 99999999) }')).toEqual({ status: 429, retryAfter: '20' });
    expect(await send('{ ok }')).toEqual({ status: 200, retryAfter: undefined });
  });
});

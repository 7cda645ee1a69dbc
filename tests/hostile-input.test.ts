// Hostile input to every root field and mutation of every subgraph, through the gateway: no
// answer may carry a stack, a path on disk, a database library's words or an uncatalogued
// code, and no hostile value may fail the server (INTERNAL_SERVER_ERROR): each is refused as
// the caller's mistake, with a catalogued code (issue 9 §5 and §6).
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ERROR_CATALOGUE } from '@credit-graph/contract';
import { seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';

const { gatewayUrl, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
/** Words and shapes that mean internals leaked: a stack frame, a file, the ORM, its call site. */
const INTERNALS = /stacktrace|\bat \S+ \(|\.ts:\d+|\.js:\d+|\/work\/|\/home\/|node_modules|prisma|invocation|DOWNSTREAM_SERVICE_ERROR/i;

/** One hostile value per kind of input leaf; `huge` is used once per operation (the body limit is 1 MiB). */
interface Profile {
  name: string;
  string: (index: number) => string;
  int: number;
  float: number;
  date: string;
  dateTime: string;
}

const PROFILES: Profile[] = [
  {
    name: 'cursor with a 40-digit number',
    string: () => base64url(JSON.stringify({ k: '1'.repeat(40) })),
    int: 2_147_483_647,
    float: 1e300,
    date: '2026-02-30',
    dateTime: '2026-02-30T10:00:00Z',
  },
  {
    name: 'malformed cursors',
    string: (i) => [base64url('{"k":null}'), base64url('[]'), base64url('{"k":"-1"}'), 'not base64 !!', '', base64url('{"k":1e400}'), '%%%'][i % 7]!,
    int: -2_147_483_648,
    float: -1e300,
    date: '99999-01-01',
    dateTime: '99999-01-01T00:00:00Z',
  },
  {
    name: 'a megabyte string',
    string: (i) => (i === 0 ? 'x'.repeat(900_000) : 'y'.repeat(5000)),
    int: 0,
    float: 0,
    date: '0000-00-00',
    dateTime: 'yesterday',
  },
  {
    name: 'control characters',
    string: () => 'a\u0000b\u001b[31m\u0007\u007f',
    int: -1,
    float: -0.0001,
    date: '1899-12-31',
    dateTime: '+275760-09-13T00:00:00Z',
  },
  {
    // A lone surrogate ("\ud800" in JSON) first in each operation, then zero-width, RTL and combining marks.
    name: 'Unicode tricks',
    string: (i) => ['\ud800', 'a\u200b\u202e名\u0301', '\udc00x\ud83d'][i % 3]!,
    int: 1,
    float: Number.MIN_VALUE,
    date: '2028-02-29',
    dateTime: '2026-12-31T16:30:00.000+08:00',
  },
  {
    name: 'wildcards and quotes',
    string: () => `%_\\'"; DROP TABLE "AuditRecord"; --`,
    int: 99_999,
    float: 12_345_678_901_234,
    date: '2026-11-31',
    dateTime: '2026-11-31T00:00:00+25:00',
  },
];

/** A value of `type` for `profile`; `counter` numbers the string leaves of one operation. */
function valueFor(type: GraphQLInputType, profile: Profile, counter: { strings: number }): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [valueFor(nullable.ofType, profile, counter), valueFor(nullable.ofType, profile, counter)];
  if (isInputObjectType(nullable)) {
    return Object.fromEntries(Object.values(nullable.getFields()).map((field) => [field.name, valueFor(field.type, profile, counter)]));
  }
  if (isEnumType(nullable)) return nullable.getValues()[0]!.value;
  switch (nullable.name) {
    case 'USCC':
      return universe[counter.strings % universe.length]!.uscc;
    case 'Int':
      return profile.int;
    case 'Float':
      return profile.float;
    case 'Boolean':
      return true;
    case 'Date':
      return profile.date;
    case 'DateTime':
      return profile.dateTime;
    default:
      return profile.string(counter.strings++);
  }
}

/** An operation calling `field` with every argument as a variable, selecting only __typename. */
function operationFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, profile: Profile) {
  const counter = { strings: 0 };
  const variables: Record<string, unknown> = {};
  const declarations: string[] = [];
  const args: string[] = [];
  for (const arg of field.args) {
    variables[arg.name] = valueFor(arg.type, profile, counter);
    declarations.push(`$${arg.name}: ${String(arg.type)}`);
    args.push(`${arg.name}: $${arg.name}`);
  }
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  const query = `${kind} Hostile${declarations.length ? `(${declarations.join(', ')})` : ''} { ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection} }`;
  return { query, variables };
}

let schema: GraphQLSchema;
const callers: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  const introspection = await graphql<IntrospectionQuery>(gatewayUrl, getIntrospectionQuery(), {}, await headersFor('DEVELOPER'));
  schema = buildClientSchema(introspection.data!);
  callers.regulator = await headersFor('REGULATOR', 'SUPERVISION');
  callers.enterprise = await headersFor('ENTERPRISE');
  callers.bank = await headersFor('BANK', 'LOAN_APPROVAL');
  for (const sector of ['finance', 'supply-chain', 'environment', 'housekeeping', 'trade'] as const) {
    callers[`platform:${sector}`] = await headersFor('SECTOR_PLATFORM', undefined, { sector });
  }
});

function expectClean(label: string, status: number, text: string) {
  expect(text, label).not.toMatch(INTERNALS);
  const body = JSON.parse(text) as { errors?: { extensions?: { code?: string; requestId?: string } }[] };
  for (const error of body.errors ?? []) {
    expect(Object.keys(ERROR_CATALOGUE), `${label}: ${text.slice(0, 300)}`).toContain(error.extensions?.code);
    expect(error.extensions?.code, `${label}: ${text.slice(0, 300)}`).not.toBe('INTERNAL_SERVER_ERROR');
    expect(error.extensions?.requestId, label).toBeTruthy();
  }
  expect(status, `${label}: ${text.slice(0, 300)}`).toBeLessThan(500);
}

async function send(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, text: await response.text() };
}

describe('hostile input through the gateway', () => {
  it('answers an enterprise asking for its query records after a cursor whose number has 40 digits with BAD_USER_INPUT', async () => {
    const after = base64url(JSON.stringify({ k: '1234567890'.repeat(4) }));
    const { status, text } = await send('query ($after: String) { myQueryRecords(after: $after) { edges { cursor } } }', { after }, callers.enterprise!);
    expectClean('myQueryRecords', status, text);
    const body = JSON.parse(text) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(status).toBe(400);
  });

  // About 1,800 requests: sent eight at a time, with room for a loaded two-core machine.
  it('refuses every hostile value to every root field and mutation with a catalogued code and no internals', { timeout: 300_000 }, async () => {
    const roots = [
      ['query', schema.getQueryType()!],
      ['mutation', schema.getMutationType()!],
    ] as const;
    const cases: { label: string; query: string; variables: Record<string, unknown>; headers: Record<string, string> }[] = [];
    for (const [kind, type] of roots) {
      for (const field of Object.values(type.getFields())) {
        if (field.args.length === 0) continue;
        for (const profile of PROFILES) {
          const { query, variables } = operationFor(kind, field, profile);
          for (const [caller, headers] of Object.entries(callers)) {
            cases.push({ label: `${kind} ${field.name} (${profile.name}) as ${caller}`, query, variables, headers });
          }
        }
      }
    }
    // Every subgraph's fields are reached: the registry, five sectors and the trust subgraph.
    expect(cases.length).toBeGreaterThan(40 * PROFILES.length * Object.keys(callers).length);
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const { label, query, variables, headers } = cases[next++]!;
        const { status, text } = await send(query, variables, headers);
        expectClean(label, status, text);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  });

  it('refuses each over-long string input by name, with BAD_USER_INPUT and HTTP 400', async () => {
    const regulator = callers.regulator!;
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['searchEnterprises', 'query ($f: EnterpriseFilter) { searchEnterprises(filter: $f) { totalCount } }', { f: { nameContains: 'x'.repeat(101) } }, 'filter.nameContains'],
      ['traceabilityCode', 'query ($c: String!) { traceabilityCode(code: $c) { code } }', { c: 'x'.repeat(65) }, 'code'],
      ['auditRecords', 'query ($f: AuditFilter) { auditRecords(filter: $f) { edges { cursor } } }', { f: { subject: 's'.repeat(201) } }, 'filter.subject'],
      [
        'decideObjection',
        'mutation ($r: String!) { decideObjection(objectionId: "obj_x", decision: UPHELD, reason: $r, idempotencyKey: "hostile-key-0001") { id } }',
        { r: 'r'.repeat(2001) },
        'reason',
      ],
    ];
    for (const [label, query, variables, field] of cases) {
      const { status, text } = await send(query, variables, regulator);
      const body = JSON.parse(text) as { errors: { message: string; extensions: Record<string, unknown> }[] };
      expect(body.errors[0]!.extensions.code, label).toBe('BAD_USER_INPUT');
      expect(body.errors[0]!.extensions.field, label).toBe(field);
      expect(status, label).toBe(400);
    }
  });
});

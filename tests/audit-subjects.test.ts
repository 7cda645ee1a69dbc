// The audit record names exactly what was read (issue 9 §1): its subjects are the enterprises
// and workers whose non-public or unmasked personal fields the subgraphs resolved, however the
// operation is written; refused subjects are on record as denied, not as read.
import fc from 'fast-check';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { makeUscc } from '@credit-graph/contract';
import { SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql } from '@credit-graph/subgraph-kit/testing';
import { workerIdFor } from '../subgraphs/housekeeping/prisma/seed.ts';
import { issueWorkerAuthorization, WORKER_AUTHORIZATION_HEADER } from '../gateway/src/trust/worker-authorization.ts';
import { headersFor } from './support/callers.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';

const { gatewayUrl, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);
const model = universe[SHOWCASE.MODEL_GROUP]!;
// Enterprises no other test file grants consent to these banks for.
const withFinance = universe.slice(20, 100).filter((e) => e.sectors.finance);
const [a, b] = withFinance as [typeof model, typeof model];
/** Banks of this file only (the consents they hold are this file's). */
const BANKS = ['70690011', '70690022', '70690033', '70690044', '70690055'].map((org) => makeUscc('91', '410105', org));

const GRANT = 'mutation ($bank: USCC!) { grantConsent(institution: $bank, purpose: LOAN_APPROVAL, validForDays: 30) { id } }';
const LATEST =
  'query ($s: String!) { auditRecords(filter: { subject: $s }, first: 1) { edges { node { subject subjects deniedSubjects outcome operationName } } } }';
const ABOUT = 'query ($u: USCC!) { auditRecords(filter: { enterpriseUscc: $u }, first: 100) { edges { node { subject operationName } } } }';

let regulator: Record<string, string>;
let sequence = 0;

async function grant(uscc: string, bank: string): Promise<void> {
  const result = await graphql(gatewayUrl, GRANT, { bank }, await headersFor('ENTERPRISE', undefined, { uscc }));
  expect(result.errors).toBeUndefined();
}

/** A bank credit officer of `bank` with a subject (token `sub`) of its own, so its records are findable. */
async function officer(bank: string): Promise<{ sub: string; headers: Record<string, string> }> {
  const sub = `audit-subjects-officer-${++sequence}`;
  return { sub, headers: await headersFor('BANK', 'LOAN_APPROVAL', { sub, institution: bank }) };
}

/** The newest audit record of the caller `sub`, as the regulator reads it. */
async function latestRecord(sub: string) {
  const result = await graphql(gatewayUrl, LATEST, { s: sub }, regulator);
  expect(result.errors).toBeUndefined();
  return result.data.auditRecords.edges[0]?.node as
    | { subject: string; subjects: string[]; deniedSubjects: string[]; outcome: string; operationName: string | null }
    | undefined;
}

const sorted = (values: Iterable<string>) => [...values].sort();

beforeAll(async () => {
  regulator = await headersFor('REGULATOR', 'SUPERVISION');
  await grant(a.uscc, BANKS[0]!);
});

describe('the audit record names what was read', () => {
  it("records the issue's hidden read (no uscc selected) under the enterprise, which sees it in myQueryRecords", async () => {
    const { sub, headers } = await officer(BANKS[0]!);
    const query = `query Hidden { enterprise(uscc: "${a.uscc}") { finance { currentTaxCreditLevel loans { amount status } } } }`;
    const result = await graphql(gatewayUrl, query, {}, headers);
    expect(result.errors).toBeUndefined();
    expect(result.data.enterprise.finance).not.toBeNull();
    // The report travels between subgraph and gateway only.
    expect(JSON.stringify(result.extensions ?? {})).not.toContain('creditReads');

    const record = await latestRecord(sub);
    expect(record).toMatchObject({ operationName: 'Hidden', subjects: [a.uscc], deniedSubjects: [], outcome: 'ok' });
    const about = await graphql(gatewayUrl, ABOUT, { u: a.uscc }, regulator);
    expect(about.data.auditRecords.edges.map((edge: { node: { subject: string } }) => edge.node.subject)).toContain(sub);
    const self = await headersFor('ENTERPRISE', undefined, { uscc: a.uscc });
    const seen = await graphql(gatewayUrl, '{ myQueryRecords(first: 100) { edges { node { operationName institution } } } }', {}, self);
    expect(seen.errors).toBeUndefined();
    expect(seen.data.myQueryRecords.edges.map((edge: { node: { operationName: string } }) => edge.node.operationName)).toContain('Hidden');
  });

  it('separates a consented read from a refused one in one operation (aliases, fragment, variable, two root fields)', async () => {
    const { sub, headers } = await officer(BANKS[0]!);
    const query = `query Mixed($x: USCC!) {
      first: enterprise(uscc: $x) { ...Money }
      second: enterprise(uscc: "${b.uscc}") { ... on Enterprise { ...Money } }
    }
    fragment Money on Enterprise { finance { tax: currentTaxCreditLevel } }`;
    const result = await graphql(gatewayUrl, query, { x: a.uscc }, headers);
    expect(result.data.first.finance).not.toBeNull();
    expect(result.data.second.finance).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('CONSENT_REQUIRED');

    const record = await latestRecord(sub);
    expect(record).toMatchObject({ subjects: [a.uscc], deniedSubjects: [b.uscc], outcome: 'partial' });
    // B was not read: its own query records do not show this operation.
    const self = await headersFor('ENTERPRISE', undefined, { uscc: b.uscc });
    const seen = await graphql(gatewayUrl, '{ myQueryRecords(first: 100) { edges { node { operationName } } } }', {}, self);
    expect(seen.data.myQueryRecords.edges.map((edge: { node: { operationName: string } }) => edge.node.operationName)).not.toContain('Mixed');
  });

  it('records a refused read (CONSENT_REQUIRED) with its subject as denied and nothing as read', async () => {
    const { sub, headers } = await officer(BANKS[0]!);
    const result = await graphql(gatewayUrl, 'query Refused($u: USCC!) { enterprise(uscc: $u) { finance { currentTaxCreditLevel } } }', { u: b.uscc }, headers);
    expect(result.errors?.[0]?.extensions?.code).toBe('CONSENT_REQUIRED');
    expect(await latestRecord(sub)).toMatchObject({ operationName: 'Refused', subjects: [], deniedSubjects: [b.uscc], outcome: 'partial' });
  });

  it("names the enterprise whose changes a bank read from the change feed, which sees it in myQueryRecords", async () => {
    // A bank of this test only, watching one enterprise of this test only.
    const bank = makeUscc('91', '410105', '70690066');
    const watched = universe[140]!;
    const self = await headersFor('ENTERPRISE', undefined, { uscc: watched.uscc });
    const granted = await graphql(gatewayUrl, 'mutation ($bank: USCC!) { grantConsent(institution: $bank, purpose: LOAN_MONITORING, validForDays: 30) { id } }', { bank }, self);
    expect(granted.errors).toBeUndefined();
    const commitment = `mutation { makeCreditCommitment(idempotencyKey: "audit-subjects-feed-${Date.now()}",
      input: { type: "主动型", content: "按期履行合同", termEnd: "2029-06-30" }) { id } }`;
    expect((await graphql(gatewayUrl, commitment, {}, self)).errors).toBeUndefined();

    const sub = `audit-subjects-feed-officer-${++sequence}`;
    const headers = await headersFor('BANK', 'LOAN_MONITORING', { sub, institution: bank });
    // Neither uscc nor enterprise selected: only the trust subgraph knows whose changes these are.
    const feed = await graphql(gatewayUrl, 'query Watch { creditChanges { changes { kind summary } } }', {}, headers);
    expect(feed.errors).toBeUndefined();
    expect(feed.data.creditChanges.changes).toContainEqual(expect.objectContaining({ kind: 'COMMITMENT' }));

    expect(await latestRecord(sub)).toMatchObject({ operationName: 'Watch', subjects: [watched.uscc], outcome: 'ok' });
    const seen = await graphql(gatewayUrl, '{ myQueryRecords(first: 100) { edges { node { operationName institution } } } }', {}, self);
    expect(seen.errors).toBeUndefined();
    expect(seen.data.myQueryRecords.edges.map((edge: { node: unknown }) => edge.node)).toContainEqual({ operationName: 'Watch', institution: bank });
  });

  // The feed names no enterprise in its arguments, so the consent lookup before planning finds
  // none: the record once said the read relied on no consent while it listed the enterprise.
  it('names the consent the change feed relied on, not one for another purpose', async () => {
    const bank = makeUscc('91', '410105', '70690077');
    const watched = universe[141]!;
    const self = await headersFor('ENTERPRISE', undefined, { uscc: watched.uscc });
    const consent = async (purpose: string) => {
      const result = await graphql(gatewayUrl, `mutation ($bank: USCC!) { grantConsent(institution: $bank, purpose: ${purpose}, validForDays: 30) { id } }`, { bank }, self);
      expect(result.errors).toBeUndefined();
      return result.data.grantConsent.id as string;
    };
    const monitoring = await consent('LOAN_MONITORING');
    await consent('LOAN_APPROVAL');
    const commitment = `mutation { makeCreditCommitment(idempotencyKey: "audit-subjects-feed-consent-${Date.now()}",
      input: { type: "主动型", content: "按期履行合同", termEnd: "2029-06-30" }) { id } }`;
    expect((await graphql(gatewayUrl, commitment, {}, self)).errors).toBeUndefined();

    const sub = `audit-subjects-feed-officer-${++sequence}`;
    const feed = await graphql(gatewayUrl, 'query WatchConsented { creditChanges { changes { kind } } }', {}, await headersFor('BANK', 'LOAN_MONITORING', { sub, institution: bank }));
    expect(feed.errors).toBeUndefined();
    expect(feed.data.creditChanges.changes).toContainEqual({ kind: 'COMMITMENT' });
    const record = await graphql(gatewayUrl, 'query ($s: String!) { auditRecords(filter: { subject: $s }, first: 1) { edges { node { operationName subjects consentIds } } } }', { s: sub }, regulator);
    expect(record.errors).toBeUndefined();
    expect(record.data.auditRecords.edges[0].node).toEqual({ operationName: 'WatchConsented', subjects: [watched.uscc], consentIds: [monitoring] });
  });

  it('names the partners a regulator reached through the supply chain, without any uscc selected', async () => {
    const sub = 'audit-subjects-inspector';
    const inspector = await headersFor('REGULATOR', 'SUPERVISION', { sub });
    const hub = universe.find((e) => e.sectors.supplyChain && e.index >= 3)!;
    const query = 'query Partners($u: USCC!) { enterprise(uscc: $u) { supplyChain { partners { partner { finance { currentTaxCreditLevel } } } } } }';
    const result = await graphql(gatewayUrl, query, { u: hub.uscc }, inspector);
    expect(result.errors).toBeUndefined();
    // Which partners those were (read again, with their codes) and which hold finance data.
    const keyed = await graphql(
      gatewayUrl,
      'query ($u: USCC!) { enterprise(uscc: $u) { supplyChain { partners { partner { uscc finance { currentTaxCreditLevel } } } } } }',
      { u: hub.uscc },
      regulator,
    );
    const partners = keyed.data.enterprise.supplyChain.partners as { partner: { uscc: string; finance: unknown } }[];
    expect(partners.length).toBeGreaterThan(0);
    const expected = new Set([hub.uscc, ...partners.filter((p) => p.partner.finance !== null).map((p) => p.partner.uscc)]);
    const record = await latestRecord(sub);
    expect(record?.operationName).toBe('Partners');
    expect(sorted(record!.subjects)).toEqual(sorted(expected));
  });

  it("names each worker whose name a regulator saw unmasked through the employer, though no id was selected", async () => {
    const sub = 'audit-subjects-personal';
    const inspector = await headersFor('REGULATOR', 'SUPERVISION', { sub });
    const result = await graphql(gatewayUrl, 'query Staff($u: USCC!) { enterprise(uscc: $u) { housekeeping { workers(first: 5) { name } } } }', { u: model.uscc }, inspector);
    expect(result.errors).toBeUndefined();
    const ids = await graphql(gatewayUrl, 'query ($u: USCC!) { enterprise(uscc: $u) { housekeeping { workers(first: 5) { id } } } }', { u: model.uscc });
    const workers = (ids.data.enterprise.housekeeping.workers as { id: string }[]).map((w) => w.id);
    expect(workers.length).toBeGreaterThan(0);
    const record = await latestRecord(sub);
    expect(record?.operationName).toBe('Staff');
    expect(sorted(record!.subjects)).toEqual(sorted(workers));
  });

  it("audits a household's unmasked read of the worker it holds an authorization for, by the worker's id only", async () => {
    const worker = workerIdFor(model.uscc, 0);
    const sub = 'audit-subjects-household';
    const household = {
      ...(await headersFor('DEVELOPER', undefined, { sub })),
      [WORKER_AUTHORIZATION_HEADER]: await issueWorkerAuthorization(TEST_JWT_SECRET, worker),
    };
    const result = await graphql(gatewayUrl, 'query Nanny($u: USCC!) { enterprise(uscc: $u) { housekeeping { workers(first: 5) { name } } } }', { u: model.uscc }, household);
    expect(result.errors).toBeUndefined();
    expect(await latestRecord(sub)).toMatchObject({ operationName: 'Nanny', subjects: [worker], deniedSubjects: [] });
  });
});

// ---------------------------------------------------------------------------------------------
// Property: random operations over the schema, read by a bank with consent for a random subset
// of enterprises; the audit subjects equal the enterprises whose guarded fields came back.

/** The guarded (non-public) fields a bank may ask for, as selections on Enterprise. */
const GUARDED: Record<string, string> = {
  finance: 'finance { currentTaxCreditLevel }',
  supplyChain: 'supplyChain { updatedOn }',
  emissions: 'environment { emissions { year } }',
  volumes: 'trade { volumes { year } }',
  complaints: 'housekeeping { complaints { id } }',
};
/** Whether the guarded field came back (non-null), given the answer of its aliased selection. */
const CAME_BACK: Record<string, (answer: Record<string, unknown> | null | undefined) => boolean> = {
  finance: (answer) => answer != null,
  supplyChain: (answer) => answer != null,
  emissions: (answer) => answer?.emissions != null,
  volumes: (answer) => answer?.volumes != null,
  complaints: (answer) => answer?.complaints != null,
};

interface RootField {
  alias: string;
  /** One enterprise or a portfolio (the `enterprises` root field). */
  usccs: string[];
  list: boolean;
  byVariable: boolean;
  fields: string[];
  style: 'inline' | 'fragment' | 'inlineFragment';
  withUscc: boolean;
}

/** The operation text and variables for these root fields; every field aliased. */
function operation(roots: RootField[]): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {};
  const declarations: string[] = [];
  const fragments: string[] = [];
  const body = roots.map((root, i) => {
    const selection = [root.withUscc ? 'uscc' : '__typename', ...root.fields.map((field) => `${field}_${i}: ${GUARDED[field]}`)].join(' ');
    let inner = selection;
    if (root.style === 'fragment') {
      fragments.push(`fragment F${i} on Enterprise { ${selection} }`);
      inner = `...F${i}`;
    } else if (root.style === 'inlineFragment') {
      inner = `... on Enterprise { ${selection} }`;
    }
    let argument: string;
    if (root.byVariable) {
      declarations.push(root.list ? `$v${i}: [USCC!]!` : `$v${i}: USCC!`);
      variables[`v${i}`] = root.list ? root.usccs : root.usccs[0];
      argument = `$v${i}`;
    } else {
      argument = root.list ? `[${root.usccs.map((u) => `"${u}"`).join(', ')}]` : `"${root.usccs[0]}"`;
    }
    return root.list ? `${root.alias}: enterprises(usccs: ${argument}) { ${inner} }` : `${root.alias}: enterprise(uscc: ${argument}) { ${inner} }`;
  });
  const header = declarations.length > 0 ? `(${declarations.join(', ')})` : '';
  return { query: `query Property${header} { ${body.join(' ')} } ${fragments.join(' ')}`, variables };
}

/** The enterprises whose guarded fields came back in `data`, from the usccs each root field asked for. */
function readIn(roots: RootField[], data: Record<string, any>): Set<string> {
  const read = new Set<string>();
  roots.forEach((root, i) => {
    const answered = root.list ? (data[root.alias] as (Record<string, any> | null)[]) : [data[root.alias]];
    answered.forEach((enterprise, position) => {
      if (!enterprise) return;
      if (root.fields.some((field) => CAME_BACK[field]!(enterprise[`${field}_${i}`]))) read.add(root.usccs[position]!);
    });
  });
  return read;
}

describe('property: audit subjects equal the enterprises whose guarded fields came back', () => {
  // A pool across sectors, and one consented subset per bank, drawn from a seeded PRNG.
  const pool = universe.slice(20, 200).filter((e) => e.sectors.finance || e.sectors.trade || e.sectors.housekeeping).slice(0, 10);
  const SEED = 9_0101;
  const consented = new Map<string, Set<string>>();

  beforeAll(async () => {
    const subsets = fc.sample(fc.subarray(pool.map((e) => e.uscc)), { seed: SEED, numRuns: BANKS.length - 1 });
    for (const [index, subset] of subsets.entries()) {
      const bank = BANKS[index + 1]!;
      consented.set(bank, new Set(subset));
      for (const uscc of subset) await grant(uscc, bank);
    }
  });

  const rootField = (i: number) =>
    fc.record({
      alias: fc.constant(`r${i}`),
      list: fc.boolean(),
      usccs: fc.uniqueArray(fc.constantFrom(...pool.map((e) => e.uscc)), { minLength: 1, maxLength: 4 }),
      byVariable: fc.boolean(),
      fields: fc.uniqueArray(fc.constantFrom(...Object.keys(GUARDED)), { minLength: 1, maxLength: 3 }),
      style: fc.constantFrom('inline' as const, 'fragment' as const, 'inlineFragment' as const),
      withUscc: fc.boolean(),
    }).map((root): RootField => (root.list ? root : { ...root, usccs: root.usccs.slice(0, 1) }));

  it('holds for random operations (seeded: rerun with the printed seed to reproduce)', async () => {
    const seen = { read: 0, denied: 0, mixed: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: BANKS.length - 1 }),
        fc.integer({ min: 1, max: 3 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => rootField(i)))),
        async (bankIndex, roots) => {
          const bank = BANKS[bankIndex]!;
          const { sub, headers } = await officer(bank);
          const { query, variables } = operation(roots);
          const result = await graphql(gatewayUrl, query, variables, headers);
          expect(result.status).toBe(200);
          const read = readIn(roots, result.data);
          // Only consented enterprises can have come back for a bank.
          for (const uscc of read) expect(consented.get(bank)!.has(uscc)).toBe(true);
          // Every operation asks for guarded fields, so each one is on record.
          const record = await latestRecord(sub);
          expect(record).toBeDefined();
          const asked = new Set(roots.flatMap((root) => root.usccs));
          expect(sorted(record!.subjects)).toEqual(sorted(read));
          // Every refused subject was asked for and not consented.
          for (const uscc of record!.deniedSubjects) {
            expect(asked.has(uscc)).toBe(true);
            expect(consented.get(bank)!.has(uscc)).toBe(false);
          }
          if (read.size > 0) seen.read += 1;
          if (record!.deniedSubjects.length > 0) seen.denied += 1;
          if (read.size > 0 && record!.deniedSubjects.length > 0) seen.mixed += 1;
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
    // The draw exercised reads, refusals and both in one operation (not a vacuous pass).
    expect(seen.read).toBeGreaterThan(5);
    expect(seen.denied).toBeGreaterThan(5);
    expect(seen.mixed).toBeGreaterThan(0);
  });
});

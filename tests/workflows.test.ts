// The credit workflows end to end through the gateway, as the walk-through: a sector
// platform records a violation, the bank's check shows it and the grade drops, the enterprise
// objects, the regulator revokes, and everything is back as it was, with every step in the
// audit log and in the bank's change feed.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { makeUscc } from '@credit-graph/contract';
import { SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql, isoDaysAgo } from '@credit-graph/subgraph-kit/testing';
import { DEMO_BANK, headersFor, tokenFor } from './support/callers.ts';

const { gatewayUrl, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);
const model = universe[SHOWCASE.MODEL_GROUP]!;

// The walk-through runs the playground's own walk-through tabs, in order: what a developer
// clicks through is what is tested.
interface Example { title: string; query: string; variables?: Record<string, unknown>; headers?: Record<string, string>; walkthrough?: number }
const steps = (JSON.parse(readFileSync(new URL('../gateway/src/playground/examples.json', import.meta.url), 'utf8')) as Example[])
  .filter((example) => example.walkthrough !== undefined)
  .sort((a, b) => a.walkthrough! - b.walkthrough!);
const RECORD = steps[0]!.query;
const FEED = steps[5]!.query;

/** Runs walk-through step `n` as the role its tab names, with `variables` over the tab's own. */
async function step(n: number, variables: Record<string, unknown> = {}) {
  const example = steps[n - 1]!;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(example.headers ?? {})) {
    const role = /\$\{([A-Z_]+)_TOKEN\}/.exec(value)?.[1] as Parameters<typeof tokenFor>[0] | undefined;
    headers[name] = role ? value.replace(/\$\{[A-Z_]+_TOKEN\}/, await tokenFor(role)) : value;
  }
  return graphql(gatewayUrl, example.query, { ...example.variables, ...variables }, headers);
}

const violation = (uscc: string) => ({
  uscc,
  decisionNumber: `郑环罚〔2026〕E2E-${Date.now()}号`,
  occurredOn: isoDaysAgo(12),
  decidedOn: isoDaysAgo(5),
  kind: 'FALSIFIED_MONITORING_DATA',
  description: '篡改自动监测数据 (end-to-end test)',
  penaltyAmount: 50,
  severity: 'SEVERE',
  authority: '郑州市生态环境局',
  authorityUscc: makeUscc('11', '410100', '00000101'),
});

let bank: Record<string, string>;
let monitoringBank: Record<string, string>;
let platform: Record<string, string>;
let regulator: Record<string, string>;
let enterprise: Record<string, string>;

async function check() {
  const result = await step(2, { uscc: model.uscc });
  expect(result.errors).toBeUndefined();
  return result.data.enterprise as {
    evaluation: { grade: string; score: number; baseScore: number; factors: { effect: number }[] };
    environment: { violations: { id: string; publication: { status: string; reference: string } }[] };
  };
}

beforeAll(async () => {
  bank = await headersFor('BANK', 'LOAN_APPROVAL');
  monitoringBank = await headersFor('BANK', 'LOAN_MONITORING');
  platform = await headersFor('SECTOR_PLATFORM', 'SUPERVISION');
  regulator = await headersFor('REGULATOR', 'SUPERVISION');
  enterprise = await headersFor('ENTERPRISE', undefined, { uscc: model.uscc });
  const granted = await graphql(
    gatewayUrl,
    'mutation ($bank: USCC!) { grantConsent(institution: $bank, purpose: LOAN_APPROVAL, validForDays: 30) { id } }',
    { bank: DEMO_BANK.uscc },
    enterprise,
  );
  expect(granted.errors).toBeUndefined();
});

describe('a violation, an objection, a revocation: the walk-through', () => {
  it('moves the bank’s check, the audit log and the change feed at every step', async () => {
    const feedStart = (await step(6)).data.creditChanges.cursor as string;
    const before = await check();
    expect(before.evaluation.baseScore + before.evaluation.factors.reduce((sum, f) => sum + f.effect, 0)).toBeCloseTo(before.evaluation.score, 6);

    // 1. The environment platform records a severe violation.
    const recorded = await step(1, { input: violation(model.uscc), key: `e2e-walkthrough-${Date.now()}` });
    expect(recorded.errors).toBeUndefined();
    const violationId = recorded.data.recordEnvironmentalViolation.id as string;

    // 2. The bank's check shows it, and the grade drops.
    const after = await check();
    const shown = after.environment.violations.find((v) => v.id === violationId);
    expect(shown?.publication.status).toBe('PUBLISHED');
    expect(after.evaluation.score).toBe(Math.max(0, before.evaluation.score - 20));
    expect(after.evaluation.grade > before.evaluation.grade || after.evaluation.score < 90).toBe(true);

    // 3. The enterprise objects: every reader sees the record under objection at once.
    const filed = await step(3, { reference: shown!.publication.reference, key: `e2e-objection-${Date.now()}` });
    expect(filed.errors).toBeUndefined();
    expect(filed.data.fileObjection.status).toBe('FILED');
    const disputed = await check();
    expect(disputed.environment.violations.find((v) => v.id === violationId)?.publication.status).toBe('UNDER_OBJECTION');

    // 4. The platform answers, the regulator revokes: everything is back as it was.
    const objectionId = filed.data.fileObjection.id as string;
    const answered = await step(4, { id: objectionId, key: `e2e-answer-${Date.now()}` });
    expect(answered.data.answerObjection.status).toBe('ANSWERED');
    const decided = await step(5, { id: objectionId, key: `e2e-decide-${Date.now()}` });
    expect(decided.data.decideObjection.status).toBe('REVOKED');
    const restored = await check();
    expect(restored.environment.violations.map((v) => v.id)).not.toContain(violationId);
    expect(restored.evaluation).toEqual(before.evaluation);

    // 5. Every step is in the audit log, about the model group.
    const audit = await graphql(
      gatewayUrl,
      'query ($u: USCC!) { auditRecords(filter: { enterpriseUscc: $u }, first: 50) { edges { node { operationName outcome subjects role } } } }',
      { u: model.uscc },
      regulator,
    );
    const operations = audit.data.auditRecords.edges.map((e: { node: { operationName: string } }) => e.node.operationName);
    for (const operation of ['RecordViolation', 'FileObjection', 'AnswerObjection', 'DecideObjection']) expect(operations).toContain(operation);

    // 6. The bank's change feed tells the whole story, grade moves included.
    const feed = await step(6, { after: feedStart });
    expect(feed.errors).toBeUndefined();
    const story = feed.data.creditChanges.changes
      .filter((c: { uscc: string }) => c.uscc === model.uscc)
      .map((c: { kind: string; source: string }) => `${c.kind}:${c.source}`);
    expect(story).toEqual([
      'NEGATIVE_RECORD:environment',
      ...(after.evaluation.grade !== before.evaluation.grade ? ['GRADE:registry'] : []),
      'RECORD_STATUS:registry',
      'RECORD_STATUS:registry',
      'RECORD_STATUS:registry',
      ...(after.evaluation.grade !== before.evaluation.grade ? ['GRADE:registry'] : []),
    ]);
    // The cursor moves past what was read: asking again returns nothing new.
    const again = await step(6, { after: feed.data.creditChanges.cursor });
    expect(again.data.creditChanges.changes.filter((c: { uscc: string }) => c.uscc === model.uscc)).toEqual([]);
  });

  it('rates the model group A, the walk-through’s starting point', async () => {
    expect((await check()).evaluation.grade).toBe('A');
  });
});

describe('the change feed', () => {
  it('shows a bank only enterprises that consented to it for the declared purpose', async () => {
    // The demo bank holds a LOAN_APPROVAL consent only: its monitoring feed has nothing from the model group.
    const monitoring = await graphql(gatewayUrl, FEED, {}, monitoringBank);
    expect(monitoring.errors).toBeUndefined();
    expect(monitoring.data.creditChanges.changes.filter((c: { uscc: string }) => c.uscc === model.uscc)).toEqual([]);
  });

  it('is for banks: a regulator or an anonymous caller is refused', async () => {
    const anonymous = await graphql(gatewayUrl, FEED, {});
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const fromRegulator = await graphql(gatewayUrl, FEED, {}, regulator);
    expect(fromRegulator.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('writes through the gateway', () => {
  it('refuses a record about an enterprise that is not registered, storing nothing', async () => {
    const unregistered = makeUscc('91', '410105', 'MA9XXXX1');
    const result = await graphql(gatewayUrl, RECORD, { input: violation(unregistered), key: `e2e-unknown-${Date.now()}` }, platform);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', unknown: [unregistered] });
    expect(result.data?.recordEnvironmentalViolation ?? null).toBeNull();
  });

  it('refuses a bank’s and an enterprise’s attempt to write a sector record', async () => {
    for (const caller of [bank, enterprise]) {
      const result = await graphql(gatewayUrl, RECORD, { input: violation(model.uscc), key: `e2e-forbidden-${Date.now()}` }, caller);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(result.data?.recordEnvironmentalViolation ?? null).toBeNull();
    }
  });

  it('refuses a malformed code in a write’s input with BAD_USER_INPUT naming the position', async () => {
    const result = await graphql(gatewayUrl, RECORD, { input: violation('91410105MA9ZZZZ12T'), key: `e2e-malformed-${Date.now()}` }, platform);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/character 12/);
  });

  it('answers a retried write with the first record, once', async () => {
    const input = violation(universe[3]!.uscc);
    const key = `e2e-retry-${Date.now()}`;
    const [first, second] = await Promise.all([
      graphql(gatewayUrl, RECORD, { input, key }, platform),
      graphql(gatewayUrl, RECORD, { input, key }, platform),
    ]);
    expect(first.errors).toBeUndefined();
    expect(second.data.recordEnvironmentalViolation.id).toBe(first.data.recordEnvironmentalViolation.id);
  });
});

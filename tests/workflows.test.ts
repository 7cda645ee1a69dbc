// The credit workflows end to end through the gateway, as the walk-through: a sector
// platform records a violation, the bank's check shows it and the grade drops, the enterprise
// objects, the regulator revokes, and everything is back as it was, with every step in the
// audit log and in the bank's change feed.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { makeUscc } from '@credit-graph/contract';
import { SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql } from '@credit-graph/subgraph-kit/testing';
import { DEMO_BANK, headersFor } from './support/callers.ts';

const { gatewayUrl, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);
const model = universe[SHOWCASE.MODEL_GROUP]!;

const CHECK = `query BankCheck($u: USCC!) {
  enterprise(uscc: $u) {
    uscc
    evaluation { grade score baseScore factors { factor sector value weight effect } }
    environment { violations { id decisionNumber severity publication { status reference } } }
  }
}`;
const RECORD = `mutation RecordViolation($input: EnvironmentalViolationInput!, $key: String!) {
  recordEnvironmentalViolation(input: $input, idempotencyKey: $key) { id publication { status reference } }
}`;
const FILE = `mutation FileObjection($reference: ID!, $key: String!) {
  fileObjection(input: { reference: $reference, reason: "The monitoring device was under calibration", evidence: "CAL-2026-118" }, idempotencyKey: $key) { id status dueOn }
}`;
const ANSWER = `mutation AnswerObjection($id: ID!, $key: String!) {
  answerObjection(objectionId: $id, confirms: false, answer: "Calibration log confirms the fault", idempotencyKey: $key) { id status }
}`;
const DECIDE = `mutation DecideObjection($id: ID!, $key: String!) {
  decideObjection(objectionId: $id, decision: REVOKED, reason: "The reading was taken during calibration", idempotencyKey: $key) { id status }
}`;
const FEED = `query Feed($after: String) { creditChanges(after: $after, first: 500) { cursor hasMore changes { sequence uscc kind source summary gradeAfter } } }`;

function isoDaysAgo(days: number): string {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() - days);
  return date.toISOString().slice(0, 10);
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
  const result = await graphql(gatewayUrl, CHECK, { u: model.uscc }, bank);
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
    const feedStart = (await graphql(gatewayUrl, FEED, {}, bank)).data.creditChanges.cursor as string;
    const before = await check();
    expect(before.evaluation.baseScore + before.evaluation.factors.reduce((sum, f) => sum + f.effect, 0)).toBeCloseTo(before.evaluation.score, 6);

    // 1. The environment platform records a severe violation.
    const recorded = await graphql(gatewayUrl, RECORD, { input: violation(model.uscc), key: `e2e-walkthrough-${Date.now()}` }, platform);
    expect(recorded.errors).toBeUndefined();
    const violationId = recorded.data.recordEnvironmentalViolation.id as string;

    // 2. The bank's check shows it, and the grade drops.
    const after = await check();
    const shown = after.environment.violations.find((v) => v.id === violationId);
    expect(shown?.publication.status).toBe('PUBLISHED');
    expect(after.evaluation.score).toBe(Math.max(0, before.evaluation.score - 20));
    expect(after.evaluation.grade > before.evaluation.grade || after.evaluation.score < 90).toBe(true);

    // 3. The enterprise objects: every reader sees the record under objection at once.
    const filed = await graphql(gatewayUrl, FILE, { reference: shown!.publication.reference, key: `e2e-objection-${Date.now()}` }, enterprise);
    expect(filed.errors).toBeUndefined();
    expect(filed.data.fileObjection.status).toBe('FILED');
    const disputed = await check();
    expect(disputed.environment.violations.find((v) => v.id === violationId)?.publication.status).toBe('UNDER_OBJECTION');

    // 4. The platform answers, the regulator revokes: everything is back as it was.
    const objectionId = filed.data.fileObjection.id as string;
    const answered = await graphql(gatewayUrl, ANSWER, { id: objectionId, key: `e2e-answer-${Date.now()}` }, platform);
    expect(answered.data.answerObjection.status).toBe('ANSWERED');
    const decided = await graphql(gatewayUrl, DECIDE, { id: objectionId, key: `e2e-decide-${Date.now()}` }, regulator);
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
    for (const step of ['RecordViolation', 'FileObjection', 'AnswerObjection', 'DecideObjection']) expect(operations).toContain(step);

    // 6. The bank's change feed tells the whole story, grade moves included.
    const feed = await graphql(gatewayUrl, FEED, { after: feedStart }, bank);
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
    const again = await graphql(gatewayUrl, FEED, { after: feed.data.creditChanges.cursor }, bank);
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
    const unregistered = makeUscc('91', '410105', 'MA9ZZZZ1');
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

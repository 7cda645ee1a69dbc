// The measures catalogue and the rule that applies it (proportionality, 过惩相当): each trigger
// and its absence, scenario mismatch, records under objection or repaired, durations in
// Zhengzhou dates (month ends, leap days), and the catalogue's start-up validation.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VERIFICATION_SCENARIOS, verifyRecordReference, type VerificationScenario } from '@credit-graph/contract';
import { recordReferences, type RecordStatus } from '@credit-graph/subgraph-kit';
import { applyMeasures, MEASURES, measureUntil, parseMeasuresCatalogue, MeasuresCatalogueError, TRIGGER_TYPES } from '../src/measures.ts';
import { creditFacts, type FactsInput } from '../src/verification.ts';

const SECRET = 'measures-test-secret-0123456789abcdef';
const references = recordReferences([SECRET]);
const USCC = '914101086905876455';
const TODAY = new Date('2026-12-01T00:00:00.000Z');
const day = (iso: string) => new Date(`${iso}T00:00:00.000Z`);

type Row = Record<string, any>;
const listEntry = (more: Row = {}) => ({
  id: 'LST-1',
  uscc: USCC,
  listType: 'SEVERE_DISHONESTY',
  authority: '郑州市发展和改革委员会',
  legalBasis: '《河南省社会信用条例》第三十三条',
  reason: '拒不履行生效法律文书确定的义务',
  listedOn: day('2026-03-01'),
  expiresOn: day('2029-03-01'),
  removedOn: null,
  removalReason: null,
  measures: [],
  ...more,
});
const penalty = (more: Row = {}) => ({
  id: 'PEN-1',
  uscc: USCC,
  decisionNumber: '郑市监罚〔2025〕1号',
  category: 'SUSPENSION',
  decisionDate: day('2025-06-30'),
  violationType: '发生较大安全生产事故',
  legalBasis: '《中华人民共和国安全生产法》第一百一十四条',
  severity: 'SEVERE',
  authority: '郑州市市场监督管理局',
  ...more,
});
const commitment = (more: Row = {}) => ({
  id: 'CMT-1',
  uscc: USCC,
  type: '审批替代型',
  content: '依法诚信经营',
  madeOn: day('2025-01-10'),
  termEnd: day('2027-01-10'),
  status: 'IN_FORCE',
  outcomeOn: null,
  outcomeNote: null,
  outcomeBy: null,
  breachSeverity: null,
  sector: null,
  ...more,
});

function facts(more: Partial<FactsInput> & { stateOf?: Record<string, RecordStatus> } = {}) {
  const { stateOf = {}, ...rest } = more;
  return creditFacts({
    uscc: USCC,
    today: TODAY,
    states: new Map(Object.entries(stateOf)),
    references,
    listEntries: [],
    penalties: [],
    commitments: [],
    sectorRecords: [],
    evaluation: { grade: 'B', score: 80, evaluatedOn: TODAY },
    ...rest,
  } as FactsInput);
}

const codes = (result: ReturnType<typeof applyMeasures>) => result.measures.map((m) => m.code).sort();

describe('the measures catalogue', () => {
  it('is valid, one entry per code, and every scenario has at least one punishment', () => {
    expect(new Set(MEASURES.measures.map((m) => m.code)).size).toBe(MEASURES.measures.length);
    for (const scenario of VERIFICATION_SCENARIOS) {
      expect(MEASURES.measures.some((m) => m.kind === 'PUNISHMENT' && m.scenarios.includes(scenario))).toBe(true);
    }
    // Every trigger the catalogue may use is used by a measure.
    expect(new Set(MEASURES.measures.map((m) => m.trigger.type))).toEqual(new Set(TRIGGER_TYPES));
  });

  it('refuses at start-up an entry without legal basis, an unknown trigger, a punishment without effect or a duplicate code', () => {
    const catalogue = JSON.parse(readFileSync(new URL('../src/measures.json', import.meta.url), 'utf8'));
    const broken = structuredClone(catalogue);
    broken.measures[0].legalBasis = [];
    broken.measures[1].trigger = { type: 'ANY_RUMOUR' };
    delete broken.measures[2].effect;
    broken.measures[5].scenarios = ['LOAN_APPROVAL'];
    let error: unknown;
    try {
      parseMeasuresCatalogue(JSON.stringify(broken));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MeasuresCatalogueError);
    const message = (error as Error).message;
    expect(message).toContain('measures.0.legalBasis');
    expect(message).toContain('measures.1.trigger');
    expect(message).toMatch(/measures\.2.*PUNISHMENT names its effect/);
    expect(message).toContain('measures.5.scenarios');
    // Once every entry is valid, the catalogue as a whole: one entry per code.
    const duplicate = structuredClone(catalogue);
    duplicate.measures[3].code = duplicate.measures[4].code;
    expect(() => parseMeasuresCatalogue(JSON.stringify(duplicate))).toThrow(`measures.4.code: code ${catalogue.measures[4].code} is listed twice`);
    expect(() => parseMeasuresCatalogue('{ not json')).toThrow(/not JSON/);
  });
});

describe('the legal bases of the catalogue', () => {
  const catalogue = () => JSON.parse(readFileSync(new URL('../src/measures.json', import.meta.url), 'utf8'));

  it('names every document by its full title or its 文号, and gives an article or says why not', () => {
    for (const entry of MEASURES.measures) {
      for (const basis of entry.legalBasis) {
        expect(basis.document, `${entry.code}: ${basis.document}`).toMatch(/(?:法|条例)$|（[^（）]*(?:〔\d{4}〕\d+号|令第\d+号)）$/);
        expect(basis.article ?? basis.reviewNote, entry.code).toBeTruthy();
      }
    }
  });

  it('refuses at start-up a policy document without its 文号, and an article left out without a reviewNote', () => {
    const broken = catalogue();
    broken.measures[0].legalBasis[2].document = '国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见';
    broken.measures[1].legalBasis[0] = { document: '中华人民共和国政府采购法' };
    broken.measures[2].legalBasis.push({ document: '全国失信惩戒措施基础清单（2024年版）', article: '第一类' });
    let message = '';
    try {
      parseMeasuresCatalogue(JSON.stringify(broken));
    } catch (caught) {
      expect(caught).toBeInstanceOf(MeasuresCatalogueError);
      message = (caught as Error).message;
    }
    expect(message).toMatch(/measures\.0\.legalBasis\.2\.document: .*文号/);
    expect(message).toMatch(/measures\.1\.legalBasis\.0\.article: .*reviewNote/);
    expect(message).toMatch(/measures\.2\.legalBasis\.\d+\.document: .*文号/);
    // Left out with a note, and named with its 文号 or as a statute, each is accepted.
    const fixed = catalogue();
    fixed.measures[1].legalBasis[0] = { document: '中华人民共和国政府采购法', reviewNote: '条号未从原文核实（测试）' };
    fixed.measures[2].legalBasis.push({ document: '企业信息公示暂行条例（中华人民共和国国务院令第654号）', article: '第十八条' });
    expect(parseMeasuresCatalogue(JSON.stringify(fixed)).measures[1]!.legalBasis[0]!.article).toBeUndefined();
  });
});

describe('applying the measures', () => {
  it('applies nothing to a clean enterprise graded B: CLEAR in every scenario', () => {
    for (const scenario of VERIFICATION_SCENARIOS) expect(applyMeasures(facts(), scenario, TODAY)).toEqual({ verdict: 'CLEAR', measures: [] });
  });

  it('a severe-dishonesty list entry prohibits procurement, with the entry, its authority and basis, until the day before it expires', () => {
    const result = applyMeasures(facts({ listEntries: [listEntry()] as never }), 'GOVERNMENT_PROCUREMENT', TODAY);
    expect(result.verdict).toBe('PROHIBITED');
    expect(codes(result)).toEqual(['P-GP-01']);
    const [measure] = result.measures;
    expect(measure!.legalBasis[0]).toMatchObject({ document: '中华人民共和国政府采购法', article: '第二十二条' });
    // A document whose article the reviewers could not confirm is shown with an empty article and the note saying so.
    expect(measure!.legalBasis).toContainEqual({ document: expect.stringContaining('（国发〔2016〕33号）'), article: '', reviewNote: expect.stringContaining('未核实') });
    expect(measure!.triggers).toEqual([
      expect.objectContaining({ source: 'registry', kind: 'DishonestyListEntry', id: 'LST-1', authority: '郑州市发展和改革委员会', legalBasis: '《河南省社会信用条例》第三十三条', reference: null }),
    ]);
    expect(measure!.until).toEqual(day('2029-02-28'));
    // In an administrative approval the same entry restricts (key review), it does not prohibit.
    const approval = applyMeasures(facts({ listEntries: [listEntry()] as never }), 'ADMINISTRATIVE_APPROVAL', TODAY);
    expect([approval.verdict, codes(approval)]).toEqual(['RESTRICTED', ['P-AA-01']]);
  });

  it('a removed or expired list entry triggers nothing', () => {
    const removed = listEntry({ removedOn: day('2026-11-01'), removalReason: 'REPAIRED' });
    const expired = listEntry({ expiresOn: TODAY });
    expect(applyMeasures(facts({ listEntries: [removed, expired] as never }), 'GOVERNMENT_PROCUREMENT', TODAY).verdict).toBe('CLEAR');
  });

  it('the abnormal-operation directory restricts procurement, bidding and honours, not funding (scenario mismatch)', () => {
    const entry = listEntry({ listType: 'ABNORMAL_OPERATION', authority: '郑州市市场监督管理局', legalBasis: '《企业信息公示暂行条例》第十七条' });
    for (const scenario of ['GOVERNMENT_PROCUREMENT', 'PUBLIC_RESOURCE_TRADING', 'HONOUR_AWARD'] as const) {
      const result = applyMeasures(facts({ listEntries: [entry] as never }), scenario, TODAY);
      expect([result.verdict, codes(result)]).toEqual(['RESTRICTED', ['P-AO-01']]);
    }
    expect(applyMeasures(facts({ listEntries: [entry] as never }), 'FUNDING_SUPPORT', TODAY).verdict).toBe('CLEAR');
    expect(applyMeasures(facts({ listEntries: [entry] as never }), 'ADMINISTRATIVE_APPROVAL', TODAY).verdict).toBe('CLEAR');
  });

  it('a published SEVERE penalty bars procurement for 3 years from its decision, with a reference the enterprise can object with', () => {
    const result = applyMeasures(facts({ penalties: [penalty()] as never }), 'GOVERNMENT_PROCUREMENT', TODAY);
    expect([result.verdict, codes(result)]).toEqual(['PROHIBITED', ['P-GP-02']]);
    const trigger = result.measures[0]!.triggers[0]!;
    expect(trigger.until).toEqual(day('2028-06-29'));
    expect(verifyRecordReference(trigger.reference!, SECRET)).toEqual({
      source: 'registry', id: 'PEN-1', uscc: USCC, severity: 'SEVERE', decidedOn: '2025-06-30', kind: 'AdministrativePenalty',
    });
    // A GENERAL penalty is no major violation; a SEVERE one older than 3 years no longer counts
    // (and has left publication anyway); procurement is the only scenario of this measure.
    expect(applyMeasures(facts({ penalties: [penalty({ severity: 'GENERAL' })] as never }), 'GOVERNMENT_PROCUREMENT', TODAY).verdict).toBe('CLEAR');
    expect(applyMeasures(facts({ penalties: [penalty({ decisionDate: day('2023-11-30') })] as never }), 'GOVERNMENT_PROCUREMENT', TODAY).verdict).toBe('CLEAR');
    expect(applyMeasures(facts({ penalties: [penalty()] as never }), 'PUBLIC_RESOURCE_TRADING', TODAY).verdict).toBe('CLEAR');
  });

  it('a record under objection, repaired or revoked does not trigger', () => {
    for (const state of ['UNDER_OBJECTION', 'REPAIRED', 'REVOKED'] as const) {
      const result = applyMeasures(facts({ penalties: [penalty()] as never, stateOf: { 'registry:PEN-1': state } }), 'GOVERNMENT_PROCUREMENT', TODAY);
      expect(result.verdict, state).toBe('CLEAR');
    }
    const sector = [{ key: 'environment:ev_1', severity: 'SEVERE' as const, decidedOn: '2026-05-10', kind: 'EnvironmentalViolation' }];
    expect(applyMeasures(facts({ sectorRecords: [sector], stateOf: { 'environment:ev_1': 'UNDER_OBJECTION' } }), 'FUNDING_SUPPORT', TODAY).verdict).toBe('CLEAR');
  });

  it("a sector's published SEVERE public record restricts funding and honours; a non-public or GENERAL one does not", () => {
    const severe = { key: 'environment:ev_1', severity: 'SEVERE' as const, decidedOn: '2026-05-10', kind: 'EnvironmentalViolation' };
    const result = applyMeasures(facts({ sectorRecords: [null, [severe]] }), 'FUNDING_SUPPORT', TODAY);
    expect([result.verdict, codes(result)]).toEqual(['RESTRICTED', ['P-SR-01']]);
    const trigger = result.measures[0]!.triggers[0]!;
    expect(verifyRecordReference(trigger.reference!, SECRET)).toMatchObject({ source: 'environment', id: 'ev_1', kind: 'EnvironmentalViolation' });
    // Published for 36 months at most: decided 10 May 2026, through 9 May 2029.
    expect(trigger.until).toEqual(day('2029-05-09'));
    expect(applyMeasures(facts({ sectorRecords: [[severe]] }), 'GOVERNMENT_PROCUREMENT', TODAY).verdict).toBe('CLEAR');
    const incident = { key: 'supply-chain:inc_1', severity: 'SEVERE' as const, decidedOn: '2026-05-10', kind: 'LogisticsIncident' };
    const general = { ...severe, severity: 'GENERAL' as const };
    expect(applyMeasures(facts({ sectorRecords: [[incident, general]] }), 'FUNDING_SUPPORT', TODAY).verdict).toBe('CLEAR');
  });

  it('a published commitment breach restricts approvals; a fulfilled commitment earns the notification-commitment incentive', () => {
    const breach = commitment({ status: 'BREACHED', outcomeOn: day('2026-09-01'), outcomeNote: '未按承诺整改', breachSeverity: 'GENERAL', outcomeBy: '91410100MA44XWJ01Y' });
    const restricted = applyMeasures(facts({ commitments: [breach] as never }), 'ADMINISTRATIVE_APPROVAL', TODAY);
    expect([restricted.verdict, codes(restricted)]).toEqual(['RESTRICTED', ['P-CB-01']]);
    expect(restricted.measures[0]!.triggers[0]!.kind).toBe('CreditCommitmentBreach');
    expect(applyMeasures(facts({ commitments: [breach] as never, stateOf: { 'registry:CMT-1': 'REPAIRED' } }), 'ADMINISTRATIVE_APPROVAL', TODAY).verdict).toBe('CLEAR');

    const kept = commitment({ status: 'FULFILLED', outcomeOn: day('2026-10-01') });
    const rewarded = applyMeasures(facts({ commitments: [kept] as never }), 'ADMINISTRATIVE_APPROVAL', TODAY);
    expect([rewarded.verdict, codes(rewarded)]).toEqual(['INCENTIVES', ['I-AA-02']]);
    // Merely in force is not kept.
    expect(applyMeasures(facts({ commitments: [commitment()] as never }), 'ADMINISTRATIVE_APPROVAL', TODAY).verdict).toBe('CLEAR');
  });

  it('grade A earns the incentives of each scenario on the verification day; grade B earns none', () => {
    const gradeA = { grade: 'A' as const, score: 94, evaluatedOn: TODAY };
    const expected: Record<VerificationScenario, string[]> = {
      ADMINISTRATIVE_APPROVAL: ['I-AA-01'],
      GOVERNMENT_PROCUREMENT: ['I-GP-01'],
      PUBLIC_RESOURCE_TRADING: ['I-GP-01'],
      FUNDING_SUPPORT: ['I-FS-01'],
      HONOUR_AWARD: ['I-FS-01'],
    };
    for (const scenario of VERIFICATION_SCENARIOS) {
      const result = applyMeasures(facts({ evaluation: gradeA }), scenario, TODAY);
      expect([result.verdict, codes(result)]).toEqual(['INCENTIVES', expected[scenario]]);
      expect(result.measures[0]!.until).toEqual(TODAY);
    }
  });

  it('an enterprise under a punishment earns no incentive', () => {
    const result = applyMeasures(
      facts({ evaluation: { grade: 'A', score: 90, evaluatedOn: TODAY }, listEntries: [listEntry({ listType: 'ABNORMAL_OPERATION' })] as never }),
      'GOVERNMENT_PROCUREMENT',
      TODAY,
    );
    expect([result.verdict, codes(result)]).toEqual(['RESTRICTED', ['P-AO-01']]);
  });
});

describe('durations in calendar dates', () => {
  const years = (n: number) => ({ rule: 'YEARS_FROM_DECISION' as const, years: n });
  it('N years from a decision ends the day before the same date N years later', () => {
    expect(measureUntil(years(3), { decidedOn: day('2025-06-30') }, TODAY)).toEqual(day('2028-06-29'));
    expect(measureUntil(years(1), { decidedOn: day('2026-01-01') }, TODAY)).toEqual(day('2026-12-31'));
  });
  it('from a leap day: the period ends on 28 February (民法典 art. 202: the period ends on the last day of the month)', () => {
    expect(measureUntil(years(1), { decidedOn: day('2028-02-29') }, TODAY)).toEqual(day('2029-02-28'));
    expect(measureUntil(years(4), { decidedOn: day('2028-02-29') }, TODAY)).toEqual(day('2032-02-28'));
  });
  it('from a month end: 31 August to 30 August', () => {
    expect(measureUntil(years(3), { decidedOn: day('2025-08-31') }, TODAY)).toEqual(day('2028-08-30'));
  });
  it('while listed: the day before the entry expires, across a year end and a leap day', () => {
    expect(measureUntil({ rule: 'WHILE_LISTED' }, { decidedOn: TODAY, expiresOn: day('2027-01-01') }, TODAY)).toEqual(day('2026-12-31'));
    expect(measureUntil({ rule: 'WHILE_LISTED' }, { decidedOn: TODAY, expiresOn: day('2028-03-01') }, TODAY)).toEqual(day('2028-02-29'));
  });
});

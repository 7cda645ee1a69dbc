// The measures a credit verification (信用核查) applies: joint punishment measures (联合惩戒,
// 全国失信惩戒措施基础清单) and joint incentives (守信激励, 国发〔2016〕33号). The catalogue is one
// reviewed data file (measures.json), validated when this module loads: a bad entry stops the
// registry at start-up with the path of the problem, never at the first verification.
//
// Proportionality (过惩相当): a measure applies only when its scenario is the verification's and
// its trigger holds on today's record; a record under objection, repaired, revoked or out of its
// publication window triggers nothing, and an enterprise under any punishment earns no incentive.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { daysAfter, isoDate, VERIFICATION_SCENARIOS, type VerificationScenario } from '@credit-graph/contract';
import { dayAfterMonths, publicationWindow } from '@credit-graph/subgraph-kit';

/** What can trigger a measure: only facts the graph's data decides. */
export const TRIGGER_TYPES = [
  /** An active entry on the severe-dishonesty list (严重失信主体名单). */
  'SEVERE_DISHONESTY_LIST',
  /** An active entry in the abnormal-operation directory (经营异常名录). */
  'ABNORMAL_OPERATION_LIST',
  /** A published SEVERE administrative penalty (双公示) whose duration has not run out. */
  'SEVERE_PENALTY',
  /** A published SEVERE public record of a sector (environment, finance, trade, housekeeping). */
  'SECTOR_SEVERE_RECORD',
  /** A published breach of a public credit commitment. */
  'COMMITMENT_BREACH',
  /** A credit commitment recorded as fulfilled. */
  'COMMITMENT_KEPT',
  /** The comprehensive evaluation's grade is one of `grades`. */
  'EVALUATION_GRADE',
] as const;

/**
 * How a document is named: a law or regulation by its full title (…法, …条例), anything else
 * (a normative document, a list, a local rule) with its 文号 in full-width brackets, e.g.
 * （国发〔2016〕33号） or （中华人民共和国国务院令第654号）.
 */
export const DOCUMENT_NUMBER = /（[^（）]*(?:〔\d{4}〕\d+号|令第\d+号)）$/;
const STATUTE_TITLE = /(?:法|条例)$/;

/**
 * One document a measure rests on. `article` is the article (条) or item (项) that says so, as read
 * in the document's text; where the reviewers could not confirm it from a source it is left out
 * and `reviewNote` says what is unconfirmed (never a guessed number). `reviewNote` may also record
 * a caveat on an article that is confirmed (e.g. the article names a narrower list than the trigger).
 */
const legalBasis = z
  .object({
    document: z.string().min(2).max(200),
    article: z.string().min(1).max(100).optional(),
    reviewNote: z.string().min(10).max(500).optional(),
  })
  .strict()
  .superRefine((basis, context) => {
    if (!STATUTE_TITLE.test(basis.document) && !DOCUMENT_NUMBER.test(basis.document)) {
      context.addIssue({ code: 'custom', path: ['document'], message: 'a document is a law or regulation by its full title (…法, …条例) or names its 文号, e.g. （国发〔2016〕33号）' });
    }
    if (basis.article === undefined && basis.reviewNote === undefined) {
      context.addIssue({ code: 'custom', path: ['article'], message: 'an unconfirmed article is left out only with a reviewNote saying what is unconfirmed' });
    }
  });

const trigger = z.discriminatedUnion('type', [
  z.object({ type: z.literal('EVALUATION_GRADE'), grades: z.array(z.enum(['A', 'B', 'C', 'D'])).min(1) }).strict(),
  ...TRIGGER_TYPES.filter((type) => type !== 'EVALUATION_GRADE').map((type) => z.object({ type: z.literal(type) }).strict()),
] as [z.ZodObject, ...z.ZodObject[]]);

const duration = z.discriminatedUnion('rule', [
  /** While the triggering list entry is active: until the day before it expires. */
  z.object({ rule: z.literal('WHILE_LISTED') }).strict(),
  /** N years from the decision date of the triggering record (a period counted as in publication.ts). */
  z.object({ rule: z.literal('YEARS_FROM_DECISION'), years: z.number().int().min(1).max(10) }).strict(),
  /** While the triggering record is published (its publication window). */
  z.object({ rule: z.literal('WHILE_PUBLISHED') }).strict(),
  /** Decided on the verification day only (grades and commitments change: verify again next time). */
  z.object({ rule: z.literal('ON_VERIFICATION_DAY') }).strict(),
]);

const measure = z
  .object({
    code: z.string().regex(/^[PI]-[A-Z]{2,3}-\d{2}$/),
    name: z.object({ zh: z.string().min(2).max(100), en: z.string().min(2).max(120) }).strict(),
    kind: z.enum(['PUNISHMENT', 'INCENTIVE']),
    /** For a punishment: PROHIBITED (may not take part) or RESTRICTED (takes part under limits). */
    effect: z.enum(['PROHIBITED', 'RESTRICTED']).optional(),
    trigger,
    scenarios: z.array(z.enum(VERIFICATION_SCENARIOS)).min(1),
    legalBasis: z.array(legalBasis).min(1),
    duration,
  })
  .strict()
  .superRefine((entry, context) => {
    if ((entry.kind === 'PUNISHMENT') !== (entry.effect !== undefined)) {
      context.addIssue({ code: 'custom', message: 'a PUNISHMENT names its effect (PROHIBITED or RESTRICTED); an INCENTIVE names none' });
    }
    if (entry.code.startsWith('P-') !== (entry.kind === 'PUNISHMENT')) {
      context.addIssue({ code: 'custom', message: 'codes start with P- for punishments and I- for incentives' });
    }
    const listTrigger = entry.trigger.type === 'SEVERE_DISHONESTY_LIST' || entry.trigger.type === 'ABNORMAL_OPERATION_LIST';
    if (listTrigger !== (entry.duration.rule === 'WHILE_LISTED')) {
      context.addIssue({ code: 'custom', message: 'a list entry triggers a measure WHILE_LISTED, and only a list entry does' });
    }
    if (entry.kind === 'INCENTIVE' && entry.duration.rule !== 'ON_VERIFICATION_DAY') {
      context.addIssue({ code: 'custom', message: 'an incentive is decided ON_VERIFICATION_DAY' });
    }
  });

export const measuresCatalogue = z
  .object({ $comment: z.string().optional(), version: z.string().regex(/^\d{4}-\d{2}-\d{2}(?:\.\d{1,3})?$/), measures: z.array(measure).min(1) })
  .strict()
  .superRefine((catalogue, context) => {
    const codes = new Set<string>();
    for (const [index, entry] of catalogue.measures.entries()) {
      if (codes.has(entry.code)) context.addIssue({ code: 'custom', path: ['measures', index, 'code'], message: `code ${entry.code} is listed twice` });
      codes.add(entry.code);
    }
  });

export type Measure = z.infer<typeof measure>;
export type MeasuresCatalogue = z.infer<typeof measuresCatalogue>;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** Thrown when the catalogue file is invalid: names the file and each problem's path. */
export class MeasuresCatalogueError extends Error {
  override name = 'MeasuresCatalogueError';
}

/**
 * Parses and validates a catalogue (the JSON text of measures.json). Out: the catalogue.
 * Throws MeasuresCatalogueError listing every problem with its path (e.g. measures.3.effect).
 */
export function parseMeasuresCatalogue(text: string, source = 'measures.json'): MeasuresCatalogue {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new MeasuresCatalogueError(`${source} is not JSON: ${(error as Error).message}`);
  }
  const result = measuresCatalogue.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new MeasuresCatalogueError(`${source} is not a valid measures catalogue:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

/** The reviewed catalogue, validated at start-up (module load). */
export const MEASURES: MeasuresCatalogue = parseMeasuresCatalogue(readFileSync(new URL('./measures.json', import.meta.url), 'utf8'));

/**
 * A record that triggered a measure, as the verification shows it: the enterprise can find it
 * (source, kind, id) and object to it (`reference`, the signed record reference its publication
 * shows; null for a list entry, which regulators remove, and for the evaluation).
 */
export interface TriggerRecord {
  source: string;
  kind: string;
  id: string;
  reference: string | null;
  description: string;
  authority: string | null;
  legalBasis: string | null;
  severity: string | null;
  decidedOn: Date;
  /** The last day this record keeps the measure applied (Zhengzhou date, UTC midnight). */
  until: Date;
}

/** The facts one verification decides on, for one enterprise, as of `today`; only what triggers. */
export interface CreditFacts {
  /** Active list entries, with the day each expires. */
  lists: { type: 'SEVERE_DISHONESTY' | 'ABNORMAL_OPERATION'; record: Omit<TriggerRecord, 'until' | 'reference'>; expiresOn: Date }[];
  /** Published (not under objection, repaired, revoked or expired) negative records. */
  records: {
    trigger: 'SEVERE_PENALTY' | 'SECTOR_SEVERE_RECORD' | 'COMMITMENT_BREACH';
    record: Omit<TriggerRecord, 'until'>;
  }[];
  /** Fulfilled commitments. */
  keptCommitments: Omit<TriggerRecord, 'until'>[];
  evaluation: { grade: 'A' | 'B' | 'C' | 'D'; score: number; evaluatedOn: Date };
}

export interface AppliedMeasure {
  code: string;
  name: string;
  nameEn: string;
  kind: Measure['kind'];
  effect: Measure['effect'] | null;
  /** `article` is '' where the catalogue leaves it out as unconfirmed; `reviewNote` then says why. */
  legalBasis: { document: string; article: string; reviewNote: string | null }[];
  durationRule: string;
  /** The latest `until` of its triggers. */
  until: Date;
  triggers: TriggerRecord[];
}

export type Verdict = 'CLEAR' | 'INCENTIVES' | 'RESTRICTED' | 'PROHIBITED';

/** The last day a measure triggered by `record` applies under `duration` (dates are UTC midnights of Zhengzhou dates). */
export function measureUntil(duration: Measure['duration'], record: { decidedOn: Date; severity?: string | null; expiresOn?: Date }, today: Date): Date {
  switch (duration.rule) {
    case 'WHILE_LISTED':
      // An entry is active while expiresOn is after today (resolvers.ts isActive): its last day is the day before.
      return daysAfter(record.expiresOn!, -1);
    case 'YEARS_FROM_DECISION':
      // A period of N years counting the decision day, ending as a calendar period does (民法典 art. 202).
      return daysAfter(dayAfterMonths(record.decidedOn, 12 * duration.years), -1);
    case 'WHILE_PUBLISHED':
      return publicationWindow((record.severity ?? 'SEVERE') as 'SEVERE', record.decidedOn).publishedUntil;
    case 'ON_VERIFICATION_DAY':
      return today;
  }
}

function describeDuration(duration: Measure['duration']): string {
  return duration.rule === 'YEARS_FROM_DECISION' ? `YEARS_FROM_DECISION(${duration.years})` : duration.rule;
}

/** The records that make `entry`'s trigger hold on `today`, each with the last day it applies. */
function triggersOf(entry: Measure, facts: CreditFacts, today: Date): TriggerRecord[] {
  const type = entry.trigger.type as TriggerType;
  const until = (record: { decidedOn: Date; severity?: string | null; expiresOn?: Date }) => measureUntil(entry.duration, record, today);
  switch (type) {
    case 'SEVERE_DISHONESTY_LIST':
    case 'ABNORMAL_OPERATION_LIST': {
      const list = type === 'SEVERE_DISHONESTY_LIST' ? 'SEVERE_DISHONESTY' : 'ABNORMAL_OPERATION';
      return facts.lists
        .filter((item) => item.type === list)
        .map((item) => ({ ...item.record, reference: null, until: until({ ...item.record, expiresOn: item.expiresOn }) }));
    }
    case 'SEVERE_PENALTY':
    case 'SECTOR_SEVERE_RECORD':
    case 'COMMITMENT_BREACH':
      return facts.records
        .filter((item) => item.trigger === type)
        .map((item) => ({ ...item.record, until: until(item.record) }))
        // A record past the measure's own duration no longer triggers it (e.g. 3 years from decision).
        .filter((record) => record.until >= today);
    case 'COMMITMENT_KEPT':
      return facts.keptCommitments.map((record) => ({ ...record, until: until(record) }));
    case 'EVALUATION_GRADE': {
      const grades = (entry.trigger as { grades: string[] }).grades;
      const { grade, score, evaluatedOn } = facts.evaluation;
      if (!grades.includes(grade)) return [];
      return [
        {
          source: 'registry',
          kind: 'CreditEvaluation',
          id: `evaluation:${isoDate(evaluatedOn)}`,
          reference: null,
          description: `公共信用综合评价 ${grade} (score ${score})`,
          authority: null,
          legalBasis: 'GB/T 45255-2025',
          severity: null,
          decidedOn: evaluatedOn,
          until: until({ decidedOn: evaluatedOn }),
        },
      ];
    }
  }
}

/**
 * The verdict and the measures that apply to one enterprise in one scenario. In: the facts as of
 * `today` (Zhengzhou's date), the scenario, the catalogue. Out: every measure whose scenario
 * matches and whose trigger holds, each with its triggering records; the verdict is PROHIBITED
 * when a punishment prohibits, RESTRICTED when one restricts, INCENTIVES when only incentives
 * apply (an enterprise under any punishment earns none: 国发〔2016〕33号 rewards the trustworthy),
 * CLEAR otherwise.
 */
export function applyMeasures(
  facts: CreditFacts,
  scenario: VerificationScenario,
  today: Date,
  catalogue: MeasuresCatalogue = MEASURES,
): { verdict: Verdict; measures: AppliedMeasure[] } {
  const applied: AppliedMeasure[] = [];
  for (const entry of catalogue.measures) {
    if (!entry.scenarios.includes(scenario)) continue;
    const triggers = triggersOf(entry, facts, today);
    if (triggers.length === 0) continue;
    applied.push({
      code: entry.code,
      name: entry.name.zh,
      nameEn: entry.name.en,
      kind: entry.kind,
      effect: entry.effect ?? null,
      legalBasis: entry.legalBasis.map((basis) => ({ document: basis.document, article: basis.article ?? '', reviewNote: basis.reviewNote ?? null })),
      durationRule: describeDuration(entry.duration),
      until: triggers.reduce((latest, record) => (record.until > latest ? record.until : latest), triggers[0]!.until),
      triggers,
    });
  }
  const punishments = applied.filter((item) => item.kind === 'PUNISHMENT');
  if (punishments.length > 0) {
    return { verdict: punishments.some((item) => item.effect === 'PROHIBITED') ? 'PROHIBITED' : 'RESTRICTED', measures: punishments };
  }
  return { verdict: applied.length > 0 ? 'INCENTIVES' : 'CLEAR', measures: applied };
}

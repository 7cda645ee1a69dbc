// The public credit comprehensive evaluation (公共信用综合评价). The weights below are the one
// reviewed table: change a number here, in a reviewed commit, and every evaluation follows.
// The score is computed when read from what each sector hands in (its SectorEvaluationInput,
// fetched by the planner through @requires; the registry applies its own record states to it)
// and the registry's own records, so it changes as soon as a sector writes.
import { creditGraphError, DateScalar } from '@credit-graph/contract';
import { countedSignals, type RecordStates, type SectorCreditSignals, type SectorEvaluationInput } from '@credit-graph/subgraph-kit';

export const BASE_SCORE = 90;
export const MAX_SCORE = 100;

/** Grade floors, best first; below the last is D. */
export const GRADE_FLOORS = [
  ['A', 90],
  ['B', 75],
  ['C', 60],
] as const;

/** Points per published negative record, by severity, whichever sector keeps it. */
export const RECORD_WEIGHTS = { MINOR: -3, GENERAL: -8, SEVERE: -20 } as const;

/** Each sector's own grade and the points it is worth. */
export const SECTOR_GRADES = {
  finance: {
    factor: 'Tax credit level (纳税信用等级)',
    points: { A: 2, B: 0, M: 0, C: -8, D: -20 },
  },
  'supply-chain': {
    factor: 'Logistics credit rating',
    points: { AAA: 2, AA: 1, A: 0, B: -5, C: -10 },
  },
  environment: {
    factor: 'Environmental credit rating (生态环境信用)',
    points: { GREEN: 2, BLUE: 0, YELLOW: -5, RED: -10, BLACK: -20 },
  },
  housekeeping: {
    factor: 'Elderly-care institution grade (stars)',
    points: { '5': 2, '4': 1, '3': 0, '2': 0, '1': 0 },
  },
  trade: {
    factor: 'Customs credit category (海关信用)',
    points: { ADVANCED_CERTIFIED: 2, CERTIFIED: 1, ROUTINE: 0, DISHONEST: -15, SEVERELY_DISHONEST: -30 },
  },
} as const satisfies Record<string, { factor: string; points: Record<string, number> }>;

export type SignalSector = keyof typeof SECTOR_GRADES;

/** The Enterprise field (a registry @requires) that carries each sector's evaluation input. */
export const EVALUATION_INPUT_FIELDS = {
  finance: 'financeEvaluationInput',
  'supply-chain': 'supplyChainEvaluationInput',
  environment: 'environmentEvaluationInput',
  housekeeping: 'housekeepingEvaluationInput',
  trade: 'tradeEvaluationInput',
} as const satisfies Record<SignalSector, string>;

/** A sector's evaluation input as the planner sends it in the representation (dates as YYYY-MM-DD). */
type EvaluationInputRepresentation = Omit<SectorEvaluationInput, 'records'> & {
  records: (Omit<SectorEvaluationInput['records'][number], 'decidedOn'> & { decidedOn: string })[];
};

/** The Enterprise representation `evaluation` is resolved on: the inputs it requires, null when a sector failed to give one. */
export type EvaluationInputs = Partial<Record<(typeof EVALUATION_INPUT_FIELDS)[SignalSector], EvaluationInputRepresentation | null>>;

/**
 * Each sector's signals: the input it handed in, with the registry's record states applied
 * (`states`, keyed `<source>:<id>`). A sector that answered the gateway but could not give its
 * input (null) leaves the evaluation without a grade: a grade computed without it could be wrong,
 * so this throws SUBGRAPH_UNAVAILABLE naming the sector(s), a transient error (retry later), never
 * a permanent one. (A sector that did not answer at all never reaches here: the gateway then
 * does not ask for the evaluation and reports that sector's SUBGRAPH_UNAVAILABLE itself.)
 */
export function sectorSignalsOf(inputs: EvaluationInputs, states: RecordStates): Record<SignalSector, SectorCreditSignals> {
  const sectors = Object.keys(EVALUATION_INPUT_FIELDS) as SignalSector[];
  const missing = sectors.filter((sector) => !inputs[EVALUATION_INPUT_FIELDS[sector]]);
  if (missing.length > 0) {
    throw creditGraphError(
      'SUBGRAPH_UNAVAILABLE',
      `The evaluation needs every sector; ${missing.join(', ')} did not answer for it, so no grade is given. Retry later.`,
      { serviceName: missing[0], sectors: missing, reason: 'no answer for the evaluation' },
    );
  }
  const signals = {} as Record<SignalSector, SectorCreditSignals>;
  for (const sector of sectors) {
    const input = inputs[EVALUATION_INPUT_FIELDS[sector]]!;
    const records = input.records.map((record) => ({ ...record, decidedOn: DateScalar.parseValue(record.decidedOn) as Date }));
    signals[sector] = countedSignals({ ...input, records }, states);
  }
  return signals;
}

/** The registry's own signals. */
export const REGISTRY_WEIGHTS = {
  severeDishonestyList: { factor: 'On the severe-dishonesty list (严重失信主体名单)', weight: -40 },
  abnormalOperation: { factor: 'In the abnormal-operation directory (经营异常名录)', weight: -10 },
  upheldObjections: { factor: 'Objections reviewed and the record upheld', weight: -2 },
} as const;

export interface EvaluationFactor {
  factor: string;
  sector: string;
  value: string;
  weight: number;
  effect: number;
}

export interface RegistrySignals {
  /** The registry's own negative records (penalties, commitment breaches) as counted. */
  records: SectorCreditSignals;
  severeDishonestyListEntries: number;
  abnormalOperationEntries: number;
  upheldObjections: number;
}

function recordFactors(sector: string, signals: SectorCreditSignals): EvaluationFactor[] {
  const counts = { MINOR: signals.minorRecords, GENERAL: signals.generalRecords, SEVERE: signals.severeRecords };
  return (Object.keys(counts) as (keyof typeof counts)[])
    .filter((severity) => counts[severity] > 0)
    .map((severity) => ({
      factor: `Published ${severity.toLowerCase()} negative records`,
      sector,
      value: String(counts[severity]),
      weight: RECORD_WEIGHTS[severity],
      effect: RECORD_WEIGHTS[severity] * counts[severity],
    }));
}

function countFactor(sector: string, entry: { factor: string; weight: number }, count: number): EvaluationFactor[] {
  return count > 0 ? [{ factor: entry.factor, sector, value: String(count), weight: entry.weight, effect: entry.weight * count }] : [];
}

export function gradeFor(score: number): 'A' | 'B' | 'C' | 'D' {
  return GRADE_FLOORS.find(([, floor]) => score >= floor)?.[0] ?? 'D';
}

/**
 * The evaluation: every factor that moved the score, with its sector, value, weight and effect.
 * The factors add up: baseScore + sum(effect) = score, bounds included as factors.
 */
export function evaluate(sectors: Record<SignalSector, SectorCreditSignals>, registry: RegistrySignals) {
  const factors: EvaluationFactor[] = [];
  for (const sector of Object.keys(SECTOR_GRADES) as SignalSector[]) {
    const signals = sectors[sector];
    const table = SECTOR_GRADES[sector];
    const points = signals.grade === null ? undefined : (table.points as Record<string, number>)[signals.grade];
    if (points !== undefined) {
      factors.push({ factor: table.factor, sector, value: signals.grade!, weight: points, effect: points });
    }
    factors.push(...recordFactors(sector, signals));
  }
  factors.push(...recordFactors('registry', registry.records));
  factors.push(...countFactor('registry', REGISTRY_WEIGHTS.severeDishonestyList, registry.severeDishonestyListEntries));
  factors.push(...countFactor('registry', REGISTRY_WEIGHTS.abnormalOperation, registry.abnormalOperationEntries));
  factors.push(...countFactor('registry', REGISTRY_WEIGHTS.upheldObjections, registry.upheldObjections));

  const raw = factors.reduce((sum, factor) => sum + factor.effect, BASE_SCORE);
  const score = Math.min(MAX_SCORE, Math.max(0, raw));
  if (score !== raw) {
    // The bound is a factor of its own, so the explanation still adds up to the score.
    factors.push({ factor: score === 0 ? 'Score floor' : 'Score cap', sector: 'registry', value: String(raw), weight: score - raw, effect: score - raw });
  }
  return { grade: gradeFor(score), score, baseScore: BASE_SCORE, factors };
}

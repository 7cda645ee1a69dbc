// The hot reads of every subgraph are plain SQL sent to Prisma's driver adapter and decoded by
// Prisma's raw decoder (each subgraph's `reads` in src/loaders.ts, sent by `raw`, raw-query.ts in
// the contract). They must hand the resolvers EXACTLY what the Prisma queries they
// replaced did: same rows, same order, same values and types (Date, Decimal, enums, arrays,
// nulls, Chinese text). Each is checked here against that Prisma query, kept as the oracle, on
// the seeded data of each subgraph, with enterprises that have no rows and one that does not exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environment } from '@credit-graph/environment';
import { finance } from '@credit-graph/finance';
import { housekeeping } from '@credit-graph/housekeeping';
import { registry } from '@credit-graph/registry';
import { supplyChain } from '@credit-graph/supply-chain';
import { trade } from '@credit-graph/trade';
import type { RawQuery } from '@credit-graph/contract';
import { connectDatabase, seedUniverse, type SubgraphDefinition } from '@credit-graph/subgraph-kit';
import { createTestDatabase } from '@credit-graph/subgraph-kit/testing';
import { reads as registryReads } from '../../subgraphs/registry/src/loaders.ts';
import { reads as financeReads } from '../../subgraphs/finance/src/loaders.ts';
import { reads as supplyChainReads } from '../../subgraphs/supply-chain/src/loaders.ts';
import { reads as environmentReads } from '../../subgraphs/environment/src/loaders.ts';
import { reads as housekeepingReads } from '../../subgraphs/housekeeping/src/loaders.ts';
import { reads as tradeReads } from '../../subgraphs/trade/src/loaders.ts';

const ENTERPRISES = 80;
/** A well-formed code no seed holds: every read answers it with no rows. */
const UNKNOWN_USCC = '91410100MA00000000';
const usccs = [...seedUniverse(ENTERPRISES).map((enterprise) => enterprise.uscc), UNKNOWN_USCC];

// The generated clients differ per subgraph; the oracles below name each one's models.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = any;

interface Case {
  /** The raw statement, as the loader sends it. */
  read: (keys: readonly string[]) => unknown;
  /** The Prisma query the loader sent before, for the same keys. */
  oracle: (db: AnyDb, keys: string[]) => Promise<unknown[]>;
  /** Keys to read by (default: the seeded enterprises and an unknown one). */
  keys?: (db: AnyDb) => Promise<string[]>;
}

const byUscc = (keys: string[]) => ({ uscc: { in: keys } });

/** Lifecycle rows the seed does not hold: one with every optional column set, one with none. */
async function registryFixtures(db: AnyDb): Promise<void> {
  const [first, second] = usccs;
  const record = { recordSource: 'registry', recordKind: 'AdministrativePenalty', recordSeverity: 'GENERAL', recordDecidedOn: new Date('2025-03-01') };
  await db.objection.createMany({
    data: [
      {
        id: 'obj-1', uscc: first, recordKey: 'registry:p-1', recordId: 'p-1', ...record, reason: '处罚决定书送达地址有误', evidence: '郑州市市场监督管理局回执',
        status: 'ANSWERED', filedAt: new Date('2025-04-01T02:03:04.567Z'), providerMustCheck: true, dueOn: new Date('2025-04-16'),
        providerAnswer: '已核实，予以更正', providerConfirms: true, answeredAt: new Date('2025-04-10T08:00:00.001Z'), answeredBy: '郑州市发改委', openKey: 'open-1',
      },
      {
        id: 'obj-2', uscc: second, recordKey: 'registry:p-2', recordId: 'p-2', ...record, reason: 'wrong amount', evidence: '',
        status: 'FILED', filedAt: new Date('2025-05-01T00:00:00.000Z'), providerMustCheck: false, dueOn: new Date('2025-05-16'),
      },
    ],
  });
  await db.repairApplication.createMany({
    data: [
      {
        id: 'rep-1', uscc: first, recordKey: 'registry:p-1', recordId: 'p-1', ...record, obligationsFulfilled: '罚款已缴清', commitment: '信用承诺书',
        status: 'APPROVED', appliedAt: new Date('2025-06-01T01:02:03.004Z'), decidedAt: new Date('2025-06-05T00:00:00.000Z'), decidedBy: '郑州市发改委', decisionReason: '符合修复条件',
      },
      {
        id: 'rep-2', uscc: second, recordKey: 'registry:p-2', recordId: 'p-2', ...record, obligationsFulfilled: 'paid', commitment: 'will comply',
        status: 'APPLIED', appliedAt: new Date('2025-06-02T00:00:00.000Z'), openKey: 'open-2',
      },
    ],
  });
}

/** Elderly-care penalties (few enterprises of a small seed run an institution with one). */
async function housekeepingFixtures(db: AnyDb): Promise<void> {
  const institutions = (await db.elderlyCareInstitution.findMany({ select: { uscc: true }, take: 2, orderBy: { uscc: 'asc' } })) as { uscc: string }[];
  expect(institutions.length).toBeGreaterThan(0);
  await db.elderlyCarePenalty.createMany({
    data: institutions.flatMap(({ uscc }, i) => [
      { id: `ecp-${i}-a`, uscc, decisionNumber: `郑民罚〔2025〕${i}1号`, decidedOn: new Date('2025-02-03'), reason: '消防设施未按规定维护', amount: '0.5000', severity: 'GENERAL' },
      { id: `ecp-${i}-b`, uscc, decisionNumber: `郑民罚〔2025〕${i}2号`, decidedOn: new Date('2025-02-03'), reason: 'records kept badly', amount: '12.3456', severity: 'SEVERE' },
    ]),
  });
}

const SUBGRAPHS: { definition: SubgraphDefinition<AnyDb, unknown>; fixtures?: (db: AnyDb) => Promise<void>; cases: Record<string, Case> }[] = [
  {
    definition: registry as SubgraphDefinition<AnyDb, unknown>,
    fixtures: registryFixtures,
    cases: {
      enterprise: { read: registryReads.enterprise, oracle: (db, keys) => db.enterprise.findMany({ where: byUscc(keys) }) },
      licenses: { read: registryReads.licenses, oracle: (db, keys) => db.administrativeLicense.findMany({ where: byUscc(keys), orderBy: { decisionDate: 'desc' } }) },
      penalties: { read: registryReads.penalties, oracle: (db, keys) => db.administrativePenalty.findMany({ where: byUscc(keys), orderBy: { decisionDate: 'desc' } }) },
      listEntries: { read: registryReads.listEntries, oracle: (db, keys) => db.dishonestyListEntry.findMany({ where: byUscc(keys), orderBy: { listedOn: 'desc' } }) },
      objections: { read: registryReads.objections, oracle: (db, keys) => db.objection.findMany({ where: byUscc(keys), orderBy: { filedAt: 'desc' } }) },
      repairs: { read: registryReads.repairs, oracle: (db, keys) => db.repairApplication.findMany({ where: byUscc(keys), orderBy: { appliedAt: 'desc' } }) },
      commitments: { read: registryReads.commitments, oracle: (db, keys) => db.creditCommitment.findMany({ where: byUscc(keys), orderBy: { madeOn: 'desc' } }) },
    },
  },
  {
    definition: finance as SubgraphDefinition<AnyDb, unknown>,
    cases: {
      profile: { read: financeReads.profile, oracle: (db, keys) => db.financeProfile.findMany({ where: byUscc(keys) }) },
      taxCredits: { read: financeReads.taxCredits, oracle: (db, keys) => db.taxCreditRating.findMany({ where: byUscc(keys), orderBy: { year: 'desc' } }) },
      socialInsurance: { read: financeReads.socialInsurance, oracle: (db, keys) => db.socialInsurancePayment.findMany({ where: byUscc(keys), orderBy: { year: 'desc' } }) },
      housingFund: { read: financeReads.housingFund, oracle: (db, keys) => db.housingFundPayment.findMany({ where: byUscc(keys), orderBy: { year: 'desc' } }) },
      utilities: {
        read: financeReads.utilities,
        oracle: (db, keys) => db.utilityPayment.findMany({ where: byUscc(keys), orderBy: [{ year: 'desc' }, { utility: 'asc' }] }),
      },
      loans: { read: financeReads.loans, oracle: (db, keys) => db.xinYiDaiLoan.findMany({ where: byUscc(keys), orderBy: [{ appliedOn: 'desc' }, { id: 'asc' }] }) },
      arrears: {
        read: financeReads.arrears,
        oracle: (db, keys) => db.paymentArrears.findMany({ where: byUscc(keys), orderBy: [{ reportedOn: 'desc' }, { id: 'asc' }] }),
      },
    },
  },
  {
    definition: supplyChain as SubgraphDefinition<AnyDb, unknown>,
    cases: {
      profile: { read: supplyChainReads.profile, oracle: (db, keys) => db.supplyChainProfile.findMany({ where: byUscc(keys) }) },
      logisticsCredits: {
        read: supplyChainReads.logisticsCredits,
        oracle: (db, keys) => db.logisticsCredit.findMany({ where: byUscc(keys), orderBy: [{ ratedOn: 'desc' }, { id: 'asc' }] }),
      },
      incidents: {
        read: supplyChainReads.incidents,
        oracle: (db, keys) => db.logisticsIncident.findMany({ where: byUscc(keys), orderBy: [{ occurredOn: 'desc' }, { id: 'asc' }] }),
      },
      partners: {
        read: supplyChainReads.partners,
        oracle: (db, keys) => db.supplyChainPartner.findMany({ where: byUscc(keys), orderBy: [{ annualVolume: 'desc' }, { id: 'asc' }] }),
      },
    },
  },
  {
    definition: environment as SubgraphDefinition<AnyDb, unknown>,
    cases: {
      profile: { read: environmentReads.profile, oracle: (db, keys) => db.environmentSubject.findMany({ where: byUscc(keys) }) },
      ratings: { read: environmentReads.ratings, oracle: (db, keys) => db.environmentalRating.findMany({ where: byUscc(keys), orderBy: { year: 'desc' } }) },
      violations: {
        read: environmentReads.violations,
        oracle: (db, keys) => db.environmentalViolation.findMany({ where: byUscc(keys), orderBy: [{ decidedOn: 'desc' }, { id: 'asc' }] }),
      },
      disclosures: {
        read: environmentReads.disclosures,
        oracle: (db, keys) => db.environmentalDisclosure.findMany({ where: byUscc(keys), orderBy: { year: 'desc' } }),
      },
      emissions: { read: environmentReads.emissions, oracle: (db, keys) => db.carbonEmission.findMany({ where: byUscc(keys), orderBy: { year: 'desc' } }) },
    },
  },
  {
    definition: housekeeping as SubgraphDefinition<AnyDb, unknown>,
    fixtures: housekeepingFixtures,
    cases: {
      company: { read: housekeepingReads.company, oracle: (db, keys) => db.housekeepingCompany.findMany({ where: byUscc(keys) }) },
      complaints: {
        read: housekeepingReads.complaints,
        oracle: (db, keys) => db.housekeepingComplaint.findMany({ where: byUscc(keys), orderBy: [{ receivedOn: 'desc' }, { id: 'asc' }] }),
      },
      // The loader reshapes the count rows into groupBy's shape; compared in that shape below.
      worker: {
        read: housekeepingReads.worker,
        oracle: (db, keys) => db.worker.findMany({ where: { id: { in: keys } } }),
        keys: async (db) => [...(await db.worker.findMany({ select: { id: true } })).map((row: { id: string }) => row.id), 'wk_0000000000000000'],
      },
      institution: { read: housekeepingReads.institution, oracle: (db, keys) => db.elderlyCareInstitution.findMany({ where: byUscc(keys) }) },
      inspections: {
        read: housekeepingReads.inspections,
        oracle: (db, keys) => db.elderlyCareInspection.findMany({ where: byUscc(keys), orderBy: [{ inspectedOn: 'desc' }, { id: 'asc' }] }),
      },
      elderlyCarePenalties: {
        read: housekeepingReads.elderlyCarePenalties,
        oracle: (db, keys) => db.elderlyCarePenalty.findMany({ where: byUscc(keys), orderBy: [{ decidedOn: 'desc' }, { id: 'asc' }] }),
      },
      elderlyCareCommitments: {
        read: housekeepingReads.elderlyCareCommitments,
        oracle: (db, keys) => db.elderlyCareCommitment.findMany({ where: byUscc(keys), orderBy: [{ madeOn: 'desc' }, { id: 'asc' }] }),
      },
    },
  },
  {
    definition: trade as SubgraphDefinition<AnyDb, unknown>,
    cases: {
      customsCredit: { read: tradeReads.customsCredit, oracle: (db, keys) => db.customsCredit.findMany({ where: byUscc(keys) }) },
      creditHistory: { read: tradeReads.creditHistory, oracle: (db, keys) => db.customsCreditChange.findMany({ where: byUscc(keys), orderBy: { from: 'desc' } }) },
      volumes: { read: tradeReads.volumes, oracle: (db, keys) => db.tradeVolume.findMany({ where: byUscc(keys), orderBy: { year: 'desc' } }) },
      violations: {
        read: tradeReads.violations,
        oracle: (db, keys) => db.declarationViolation.findMany({ where: byUscc(keys), orderBy: [{ decidedOn: 'desc' }, { id: 'desc' }] }),
      },
      investments: {
        read: tradeReads.investments,
        oracle: (db, keys) => db.crossBorderInvestment.findMany({ where: byUscc(keys), orderBy: [{ filedOn: 'desc' }, { id: 'desc' }] }),
      },
    },
  },
];

/** What the rows hold, over every case of a subgraph: the test must not pass on thin data. */
interface Coverage {
  nulls: number;
  chinese: number;
  dates: number;
  decimals: number;
  emptyKeys: number;
}

function cover(coverage: Coverage, rows: unknown[], keys: string[]): void {
  for (const row of rows as Record<string, unknown>[]) {
    for (const value of Object.values(row)) {
      if (value === null) coverage.nulls++;
      else if (value instanceof Date) coverage.dates++;
      else if (typeof value === 'object' && value !== null && value.constructor?.name === 'Decimal') coverage.decimals++;
      else if (typeof value === 'string' && /[\u4e00-\u9fff]/.test(value)) coverage.chinese++;
    }
  }
  const withRows = new Set((rows as { uscc?: string }[]).map((row) => row.uscc));
  coverage.emptyKeys += keys.filter((key) => !withRows.has(key)).length;
}

for (const { definition, fixtures, cases } of SUBGRAPHS) {
  describe(`${definition.name}: raw-SQL reads return what the Prisma queries they replaced returned`, () => {
    let db: AnyDb;
    let raw: RawQuery;
    let close: () => Promise<void>;

    beforeAll(async () => {
      const database = await createTestDatabase(`raw_reads_${definition.name}`);
      const connected = await connectDatabase(definition, database.target);
      ({ db, raw } = connected);
      await definition.seed(db, ENTERPRISES);
      await fixtures?.(db);
      close = async () => {
        await db.$disconnect();
        await connected.database.close();
        await database.drop();
      };
    });
    afterAll(() => close?.());

    it('every hot read, deep-equal (values, types, order) on seeded data with nulls, empty lists and Chinese text', async () => {
      const coverage: Coverage = { nulls: 0, chinese: 0, dates: 0, decimals: 0, emptyKeys: 0 };
      for (const [name, { read, oracle, keys: keysOf }] of Object.entries(cases)) {
        const keys = keysOf ? await keysOf(db) : usccs;
        const expected = await oracle(db, keys);
        const statement = read(keys) as Parameters<RawQuery>[0];
        const actual = await raw(statement);
        expect(expected.length, `${name}: the seed holds rows to compare`).toBeGreaterThan(0);
        expect(actual, name).toStrictEqual(expected);
        // And what the client's own $queryRaw decodes from the same statement, where $queryRaw is
        // right: on PGlite in a process east or west of UTC it reads timestamps as local time
        // (raw-query.ts corrects that; the oracle above holds raw to the instants stored).
        if (process.env.TEST_DATABASE_URL || new Date().getTimezoneOffset() === 0) {
          expect(actual, `${name}: as $queryRaw`).toStrictEqual(await db.$queryRaw(statement));
        }
        cover(coverage, expected, keys);
      }
      // Enterprises without rows (and the unknown one) answer no rows, not an error.
      expect(coverage.emptyKeys).toBeGreaterThan(0);
      expect(coverage.nulls + coverage.chinese + coverage.dates).toBeGreaterThan(0);
      if (definition.name !== 'environment') expect(coverage.chinese, 'Chinese text compared').toBeGreaterThan(0);
    });
  });
}

describe('housekeeping: the worker count in the shape of the groupBy it replaced', () => {
  let db: AnyDb;
  let raw: RawQuery;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase('raw_reads_worker_count');
    const connected = await connectDatabase(housekeeping, database.target);
    ({ db, raw } = connected);
    await housekeeping.seed(db, ENTERPRISES);
    close = async () => {
      await db.$disconnect();
      await connected.database.close();
      await database.drop();
    };
  });
  afterAll(() => close?.());

  it('loader rows equal groupBy({ by: uscc, _count: { _all } }) per enterprise, none for an enterprise without workers', async () => {
    const expected = await db.worker.groupBy({ by: ['uscc'], where: { uscc: { in: usccs } }, _count: { _all: true } });
    const loaders = housekeeping.createLoaders(db, raw) as { workerCount: { loadMany(keys: string[]): Promise<unknown[]> } };
    const actual = await loaders.workerCount.loadMany(usccs);
    const byKey = new Map((expected as { uscc: string }[]).map((row) => [row.uscc, row]));
    expect(byKey.size).toBeGreaterThan(0);
    expect(actual).toStrictEqual(usccs.map((uscc) => byKey.get(uscc) ?? null));
    expect(actual.filter((row) => row === null).length).toBeGreaterThan(0);
  });
});

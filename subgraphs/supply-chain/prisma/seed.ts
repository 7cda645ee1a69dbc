// Supply-chain seed: logistics credit ratings and incidents, declared trading partners and
// product traceability routes for the enterprises flagged `sectors.supplyChain`, following
// each enterprise's risk profile.
import {
  AUTHORITIES,
  SHOWCASE,
  daysBefore,
  insertInChunks,
  recordId,
  seedUniverse,
  seededFaker,
  type Industry,
  type RiskProfile,
  type SeedEnterprise,
} from '@credit-graph/subgraph-kit';
import type { Prisma, PrismaClient } from '../src/generated/prisma/client.ts';
import type {
  LogisticsCategory,
  LogisticsCreditRating,
  LogisticsIncidentKind,
  Severity,
  SupplyChainRelation,
  TraceabilityStage,
} from '../src/generated/prisma/enums.ts';
import { traceabilityCodeFor } from '../src/traceability-code.ts';

export { traceabilityCodeFor };

type Faker = ReturnType<typeof seededFaker>;

const DAY_MS = 86_400_000;

/** Chinese names of the Zhengzhou divisions, for step locations. */
const DISTRICTS: Record<string, string> = {
  '410102': '中原区',
  '410103': '二七区',
  '410104': '管城回族区',
  '410105': '金水区',
  '410106': '上街区',
  '410108': '惠济区',
  '410122': '中牟县',
  '410171': '经济技术开发区',
  '410172': '高新技术产业开发区',
  '410173': '航空港经济综合实验区',
  '410181': '巩义市',
  '410182': '荥阳市',
  '410183': '新密市',
  '410184': '新郑市',
  '410185': '登封市',
};

const RATED_BY: Record<LogisticsCategory, string> = {
  GENERAL: '中国物流与采购联合会',
  COLD_CHAIN: '中国物流与采购联合会冷链物流专业委员会',
  // Dangerous-goods road carriers are assessed by the transport authority (质量信誉考核).
  HAZARDOUS_GOODS: AUTHORITIES.TRANSPORT.name,
};

const RATINGS: Record<RiskProfile, [LogisticsCreditRating, number][]> = {
  CLEAN: [['AAA', 45], ['AA', 40], ['A', 15]],
  WATCH: [['AA', 15], ['A', 45], ['B', 40]],
  RISKY: [['B', 45], ['C', 55]],
};

const INCIDENT_KINDS: Record<LogisticsCategory, LogisticsIncidentKind[]> = {
  COLD_CHAIN: ['TEMPERATURE_BREACH', 'TEMPERATURE_BREACH', 'DELAY', 'DAMAGE'],
  HAZARDOUS_GOODS: ['LEAK', 'LEAK', 'ACCIDENT', 'DELAY'],
  GENERAL: ['DELAY', 'DAMAGE', 'DAMAGE', 'ACCIDENT'],
};

/** Losses in 10k CNY by severity. */
const LOSSES: Record<Severity, [number, number]> = { MINOR: [0.05, 2], GENERAL: [2, 30], SEVERE: [30, 300] };

function incidentDescription(faker: Faker, kind: LogisticsIncidentKind, severity: Severity): string {
  const severe = severity === 'SEVERE';
  switch (kind) {
    case 'TEMPERATURE_BREACH':
      return `冷藏车厢温度升至${faker.number.int({ min: 9, max: 16 })}℃，超出0-4℃要求约${faker.number.int({ min: 2, max: 20 })}小时，${severe ? '整批货物报废' : '货物经检验后放行'}`;
    case 'LEAK':
      return `运输途中包装破损导致危险化学品泄漏，${severe ? '道路临时封闭，周边人员疏散' : '已按应急预案及时处置'}`;
    case 'DELAY':
      return `承运货物延误交付${faker.number.int({ min: 1, max: severe ? 15 : 5 })}天，${severe ? '造成客户停产' : '已与客户协商解决'}`;
    case 'DAMAGE':
      return `装卸不当造成货物破损${faker.number.int({ min: 10, max: severe ? 5000 : 300 })}件`;
    case 'ACCIDENT':
      return `运输车辆发生交通事故，${severe ? '造成人员受伤，车辆及货物严重损毁' : '无人员伤亡'}`;
  }
}

type ColdChain = 'CHILLED' | 'FROZEN' | null;
type Product = readonly [name: string, cold: ColdChain];

const PRODUCTS: Partial<Record<Industry, readonly Product[]>> = {
  AGRICULTURE: [
    ['新郑红枣', null], ['中牟大蒜', null], ['荥阳河阴石榴', null], ['冷鲜猪肉', 'CHILLED'],
    ['鲜鸡蛋', null], ['生鲜牛乳', 'CHILLED'], ['速冻甜玉米', 'FROZEN'],
  ],
  MANUFACTURING: [
    ['速冻水饺', 'FROZEN'], ['方便面', null], ['瓦楞纸箱', null], ['铝合金型材', null],
    ['纯棉针织面料', null], ['冷冻汤圆', 'FROZEN'], ['汽车线束', null],
  ],
};
// The showcase enterprises produce what their names say; the model group's first code is cold chain.
const MODEL_GROUP_PRODUCTS: readonly Product[] = [['中央厨房净菜配送包', 'CHILLED'], ['团餐预制菜', 'CHILLED'], ['速冻馒头', 'FROZEN']];
const PACKAGING_PRODUCTS: readonly Product[] = [['瓦楞纸箱', null], ['食品级复合包装膜', null]];

const FACILITY: Record<TraceabilityStage, string> = {
  PRODUCTION: '生产基地',
  INSPECTION: '产品质量检测中心',
  WAREHOUSING: '仓储中心',
  COLD_CHAIN_TRANSPORT: '冷链物流园',
  TRANSPORT: '物流园',
  WHOLESALE: '批发市场',
  RETAIL: '门店',
};

/** Hours a batch spends before each stage (from the previous step). */
const STAGE_HOURS: Record<TraceabilityStage, [number, number]> = {
  PRODUCTION: [6, 10],
  INSPECTION: [2, 12],
  WAREHOUSING: [4, 24],
  COLD_CHAIN_TRANSPORT: [6, 48],
  TRANSPORT: [6, 48],
  WHOLESALE: [4, 24],
  RETAIL: [6, 48],
};

/** Enterprises of the sector that can be drawn as partners or route operators. */
interface Pools {
  clean: SeedEnterprise[];
  risky: SeedEnterprise[];
  all: SeedEnterprise[];
  logistics: SeedEnterprise[];
  trade: SeedEnterprise[];
  inspection: SeedEnterprise[];
}

/** An enterprise from the pool other than the excluded ones (bounded retries keep 100k fast). */
function pickOther(faker: Faker, pool: SeedEnterprise[], excluded: ReadonlySet<string>): SeedEnterprise | undefined {
  if (pool.length === 0) return undefined;
  for (let attempt = 0; attempt < 8; attempt++) {
    const candidate = faker.helpers.arrayElement(pool);
    if (!excluded.has(candidate.uscc)) return candidate;
  }
  return pool.find((candidate) => !excluded.has(candidate.uscc));
}

function laterOf(...dates: Date[]): Date {
  return new Date(Math.max(...dates.map((date) => date.getTime())));
}

function isProducer(enterprise: SeedEnterprise): boolean {
  return enterprise.index === SHOWCASE.MODEL_GROUP || enterprise.industry === 'MANUFACTURING' || enterprise.industry === 'AGRICULTURE';
}

interface Rows {
  profiles: Prisma.SupplyChainProfileCreateManyInput[];
  credits: Prisma.LogisticsCreditCreateManyInput[];
  incidents: Prisma.LogisticsIncidentCreateManyInput[];
  partners: Prisma.SupplyChainPartnerCreateManyInput[];
  codes: Prisma.TraceabilityCodeCreateManyInput[];
  steps: Prisma.TraceabilityStepCreateManyInput[];
}

function addCredits(enterprise: SeedEnterprise, rows: Rows): void {
  const faker = seededFaker('supply-chain', enterprise.index);
  const { uscc, risk, industry } = enterprise;
  const isModel = enterprise.index === SHOWCASE.MODEL_GROUP;
  const isRiskySupplier = enterprise.index === SHOWCASE.RISKY_SUPPLIER;

  const categories: LogisticsCategory[] = ['GENERAL'];
  if (isModel || industry === 'AGRICULTURE' || (industry === 'TRANSPORT_LOGISTICS' && faker.datatype.boolean(0.4))) {
    categories.push('COLD_CHAIN');
  }
  if (isRiskySupplier || ((industry === 'MANUFACTURING' || industry === 'TRANSPORT_LOGISTICS') && faker.datatype.boolean(0.2))) {
    categories.push('HAZARDOUS_GOODS');
  }

  let incidentNumber = 0;
  categories.forEach((category, n) => {
    const rating: LogisticsCreditRating =
      isModel ? 'AAA'
      : isRiskySupplier ? (category === 'GENERAL' ? 'C' : 'B')
      : faker.helpers.weightedArrayElement(RATINGS[risk].map(([value, weight]) => ({ value, weight })));
    const ratedOn = daysBefore(faker.number.int({ min: 30, max: 600 }));
    const creditId = recordId('LGC', uscc, n);
    rows.credits.push({
      id: creditId,
      uscc,
      category,
      rating,
      ratedBy: RATED_BY[category],
      ratedOn,
      // Ratings are valid three years from the assessment.
      validUntil: new Date(ratedOn.getTime() + 3 * 365 * DAY_MS),
    });

    const incidentCount =
      isRiskySupplier ? 2 + faker.number.int({ min: 0, max: 1 })
      : risk === 'RISKY' ? faker.number.int({ min: 1, max: 3 })
      : risk === 'WATCH' ? faker.number.int({ min: 0, max: 2 })
      : isModel && category === 'COLD_CHAIN' ? 1 // a model group still had one minor delay
      : faker.datatype.boolean(0.1) ? 1 : 0;
    for (let i = 0; i < incidentCount; i++) {
      const severity: Severity =
        isRiskySupplier && i === 0 ? 'SEVERE'
        : risk === 'RISKY' ? faker.helpers.arrayElement(['GENERAL', 'SEVERE'] as const)
        : risk === 'WATCH' ? faker.helpers.arrayElement(['MINOR', 'GENERAL'] as const)
        : 'MINOR';
      const kind = isModel ? 'DELAY' : faker.helpers.arrayElement(INCIDENT_KINDS[category]);
      const [minLoss, maxLoss] = LOSSES[severity];
      const number = incidentNumber++;
      const occurredOn = daysBefore(faker.number.int({ min: 5, max: 900 }));
      rows.incidents.push({
        id: recordId('LGI', uscc, number),
        uscc,
        category,
        occurredOn,
        // Established and recorded 1 to 4 days later (never in the future: occurredOn is 5 days
        // ago or earlier), derived from the indexes so the faker's draws stay as they were.
        decidedOn: new Date(occurredOn.getTime() + (1 + ((enterprise.index + number) % 4)) * DAY_MS),
        kind,
        description: incidentDescription(faker, kind, severity),
        severity,
        losses: faker.number.float({ min: minLoss, max: maxLoss, fractionDigits: 4 }),
      });
    }
  });
}

function addPartners(enterprise: SeedEnterprise, pools: Pools, universe: SeedEnterprise[], rows: Rows): void {
  const faker = seededFaker('supply-chain-partners', enterprise.index);
  const chosen: { partner: SeedEnterprise; relation: SupplyChainRelation }[] = [];
  const taken = new Set([enterprise.uscc]);
  const take = (partner: SeedEnterprise, relation: SupplyChainRelation) => {
    chosen.push({ partner, relation });
    taken.add(partner.uscc);
  };

  // The showcase pair trade with each other, seen from both sides.
  const modelGroup = universe[SHOWCASE.MODEL_GROUP];
  const riskySupplier = universe[SHOWCASE.RISKY_SUPPLIER];
  if (enterprise.index === SHOWCASE.MODEL_GROUP && riskySupplier) take(riskySupplier, 'SUPPLIER');
  if (enterprise.index === SHOWCASE.RISKY_SUPPLIER && modelGroup) take(modelGroup, 'CUSTOMER');

  // The model group's other partners are all clean, so its risk shows in one place only.
  const count = enterprise.index === SHOWCASE.MODEL_GROUP ? 5 : faker.number.int({ min: 2, max: 6 });
  while (chosen.length < count) {
    const fromRisky = enterprise.index !== SHOWCASE.MODEL_GROUP && faker.datatype.boolean(0.2);
    const partner = pickOther(faker, fromRisky && pools.risky.length > 0 ? pools.risky : pools.clean, taken)
      ?? pickOther(faker, pools.all, taken);
    if (!partner) break; // a tiny universe has too few enterprises
    take(partner, faker.helpers.arrayElement(['SUPPLIER', 'CUSTOMER'] as const));
  }

  // Annual purchases and sales, each split among the declared partners and undeclared others.
  let partnerNumber = 0;
  const turnover = enterprise.index === SHOWCASE.MODEL_GROUP ? 50_000 : faker.number.int({ min: 300, max: 20_000 });
  for (const relation of ['SUPPLIER', 'CUSTOMER'] as const) {
    const group = chosen.filter((entry) => entry.relation === relation);
    const weights = group.map(() => faker.number.int({ min: 1, max: 10 }));
    const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
    const declaredShare = faker.number.float({ min: 0.3, max: 0.9 });
    group.forEach(({ partner }, i) => {
      const n = partnerNumber++;
      const share = Math.round(((weights[i] ?? 1) / weightSum) * declaredShare * 10_000) / 10_000;
      rows.partners.push({
        id: recordId('SCP', enterprise.uscc, n),
        uscc: enterprise.uscc,
        partnerUscc: partner.uscc,
        relation,
        since: laterOf(daysBefore(faker.number.int({ min: 60, max: 3000 })), enterprise.establishedOn, partner.establishedOn),
        annualVolume: Math.round(share * turnover * 100) / 100,
        share,
      });
    });
  }
}

function addTraceability(enterprise: SeedEnterprise, pools: Pools, rows: Rows): void {
  const faker = seededFaker('supply-chain-trace', enterprise.index);
  const isModel = enterprise.index === SHOWCASE.MODEL_GROUP;
  const catalogue =
    isModel ? MODEL_GROUP_PRODUCTS
    : enterprise.index === SHOWCASE.RISKY_SUPPLIER ? PACKAGING_PRODUCTS
    : PRODUCTS[enterprise.industry] ?? PRODUCTS.MANUFACTURING!;
  const producerOnly = new Set([enterprise.uscc]);
  const operatorFor = (stage: TraceabilityStage): SeedEnterprise => {
    if (stage === 'PRODUCTION') return enterprise;
    const pool =
      stage === 'INSPECTION' ? pools.inspection
      : stage === 'WHOLESALE' || stage === 'RETAIL' ? pools.trade
      : pools.logistics;
    return pickOther(faker, pool, producerOnly) ?? pickOther(faker, pools.all, producerOnly) ?? enterprise;
  };

  const codeCount = isModel ? 3 : faker.number.int({ min: 1, max: 3 });
  for (let n = 0; n < codeCount; n++) {
    const code = traceabilityCodeFor(enterprise.uscc, n);
    const [product, cold] = isModel ? catalogue[n]! : faker.helpers.arrayElement(catalogue);
    // Batch n = 0 is the latest: codes of one producer are spaced at least 20 days apart. A route
    // takes at most 166 hours: produced 9 days before the seed's day, every step is in the past.
    const producedOn = daysBefore(9 + 20 * n + faker.number.int({ min: 0, max: 15 }));
    const yyyymmdd = producedOn.toISOString().slice(0, 10).replace(/-/g, '');
    rows.codes.push({ code, uscc: enterprise.uscc, product, batch: `${yyyymmdd}-${String(faker.number.int({ min: 1, max: 20 })).padStart(2, '0')}`, producedOn });

    // 3 to 6 stages: production, a transport and a sale always; inspection, warehousing, a second sale maybe.
    const full = isModel && n === 0;
    const stages: TraceabilityStage[] = ['PRODUCTION'];
    if (full || faker.datatype.boolean(0.5)) stages.push('INSPECTION');
    if (full || faker.datatype.boolean(0.6)) stages.push('WAREHOUSING');
    stages.push(cold ? 'COLD_CHAIN_TRANSPORT' : 'TRANSPORT');
    const wholesale = full || faker.datatype.boolean(0.6);
    if (wholesale) stages.push('WHOLESALE');
    if (full || !wholesale || faker.datatype.boolean(0.5)) stages.push('RETAIL');

    let at = producedOn.getTime();
    stages.forEach((stage, i) => {
      const [minHours, maxHours] = STAGE_HOURS[stage];
      at += faker.number.int({ min: minHours * 60, max: maxHours * 60 }) * 60_000;
      const operator = operatorFor(stage);
      // A risky producer's cold chain sometimes breaks in transport.
      const breach = cold !== null && stage === 'COLD_CHAIN_TRANSPORT' && enterprise.risk === 'RISKY' && faker.datatype.boolean(0.5);
      const temperatureCelsius =
        cold === null ? null
        : cold === 'CHILLED' ? faker.number.float({ min: breach ? 9 : 0.5, max: breach ? 14 : 4, fractionDigits: 1 })
        : faker.number.float({ min: breach ? -9 : -21, max: breach ? -5 : -18, fractionDigits: 1 });
      rows.steps.push({
        id: `${code}-${i + 1}`,
        code,
        sequence: i + 1,
        stage,
        operatorUscc: operator.uscc,
        location: `河南省郑州市${DISTRICTS[operator.divisionCode] ?? ''}${stage === 'WAREHOUSING' && cold ? '冷库' : FACILITY[stage]}`,
        at: new Date(at),
        temperatureCelsius,
      });
    });
  }
}

export async function seed(db: PrismaClient, count: number): Promise<void> {
  const universe = seedUniverse(count);
  const members = universe.filter((enterprise) => enterprise.sectors.supplyChain);
  const inIndustry = (...industries: Industry[]) => members.filter((enterprise) => industries.includes(enterprise.industry));
  const pools: Pools = {
    clean: members.filter((enterprise) => enterprise.risk === 'CLEAN'),
    risky: members.filter((enterprise) => enterprise.risk !== 'CLEAN'),
    all: members,
    logistics: inIndustry('TRANSPORT_LOGISTICS'),
    trade: inIndustry('WHOLESALE_RETAIL'),
    inspection: inIndustry('RESEARCH_TECHNOLOGY', 'BUSINESS_SERVICES'),
  };
  const rows: Rows = { profiles: [], credits: [], incidents: [], partners: [], codes: [], steps: [] };

  for (const enterprise of members) {
    const updatedOn = daysBefore(1 + (enterprise.index % 30));
    rows.profiles.push({ uscc: enterprise.uscc, updatedOn });
    addCredits(enterprise, rows);
    addPartners(enterprise, pools, universe, rows);
    if (isProducer(enterprise)) addTraceability(enterprise, pools, rows);
  }

  await insertInChunks(rows.profiles, (data) => db.supplyChainProfile.createMany({ data }));
  await insertInChunks(rows.credits, (data) => db.logisticsCredit.createMany({ data }));
  await insertInChunks(rows.incidents, (data) => db.logisticsIncident.createMany({ data }));
  await insertInChunks(rows.partners, (data) => db.supplyChainPartner.createMany({ data }));
  await insertInChunks(rows.codes, (data) => db.traceabilityCode.createMany({ data }));
  await insertInChunks(rows.steps, (data) => db.traceabilityStep.createMany({ data }));
}

export async function isEmpty(db: PrismaClient): Promise<boolean> {
  return (await db.supplyChainProfile.count()) === 0;
}

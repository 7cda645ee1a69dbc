// The deterministic seed universe shared by every subgraph's seed. Each subgraph seeds its
// own database on its own, yet all of them agree on which enterprises exist and how risky
// each one is, because they derive everything from the same fixed PRNG seed and index.
import { createRequire } from 'node:module';
import type { Faker } from '@faker-js/faker';
import { businessToday, makeUscc, ZHENGZHOU_DIVISIONS, USCC_ALPHABET, type Database } from '@credit-graph/contract';

export const SEED = 20261127;
/**
 * Seed data is dated relative to this day: the business day (Zhengzhou's date, UTC midnight)
 * on which the process loaded the seed, from the contract's clock. The same seed gives the same
 * records at the same ages whatever the day, so windows and grades of the demo data and the
 * tests do not drift as the calendar moves on.
 */
export const SEED_AS_OF = businessToday();
export const DEFAULT_SEED_ENTERPRISES = 2000;

export const INDUSTRIES = {
  AGRICULTURE: '农业',
  MANUFACTURING: '制造',
  UTILITIES: '能源',
  CONSTRUCTION: '建设工程',
  WHOLESALE_RETAIL: '商贸',
  TRANSPORT_LOGISTICS: '物流',
  HOSPITALITY: '餐饮',
  INFORMATION_TECHNOLOGY: '信息技术',
  REAL_ESTATE: '置业',
  BUSINESS_SERVICES: '企业管理咨询',
  RESEARCH_TECHNOLOGY: '科技',
  RESIDENT_SERVICES: '家政服务',
  HEALTH_SOCIAL_WORK: '养老服务',
} as const;
export type Industry = keyof typeof INDUSTRIES;

/** How an enterprise's records lean: most are clean, some are watched, a few are risky. */
export type RiskProfile = 'CLEAN' | 'WATCH' | 'RISKY';

export interface SeedEnterprise {
  index: number;
  uscc: string;
  name: string;
  /** Positions 1-2 of the code: 91 enterprise, 92 individual business, 93 cooperative, 52 private non-enterprise. */
  authorityAndType: '91' | '92' | '93' | '52';
  divisionCode: keyof typeof ZHENGZHOU_DIVISIONS;
  industry: Industry;
  risk: RiskProfile;
  establishedOn: Date;
  /** Which sector subgraphs hold records about this enterprise. */
  sectors: {
    finance: boolean;
    supplyChain: boolean;
    environment: boolean;
    housekeeping: boolean;
    elderlyCare: boolean;
    trade: boolean;
  };
}

const DIVISIONS = Object.keys(ZHENGZHOU_DIVISIONS) as (keyof typeof ZHENGZHOU_DIVISIONS)[];
const TRADE_NAMES = [
  '中原', '豫康', '嵩山', '黄河', '金水', '商都', '绿城', '华信', '天地', '宏达', '鑫源', '瑞丰', '恒通', '百川',
  '博远', '诚达', '德润', '方圆', '广厦', '汇通', '佳禾', '锦程', '凯盛', '隆泰', '明德', '宁远', '鹏程', '启航',
  '荣昌', '盛世', '泰和', '万方', '祥瑞', '兴业', '永信', '中科', '卓越', '安泰', '北辰', '长青', '大河', '东方',
];
const INDUSTRY_WEIGHTS: [Industry, number][] = [
  ['MANUFACTURING', 22], ['WHOLESALE_RETAIL', 20], ['TRANSPORT_LOGISTICS', 9], ['CONSTRUCTION', 8],
  ['INFORMATION_TECHNOLOGY', 8], ['BUSINESS_SERVICES', 7], ['HOSPITALITY', 5], ['REAL_ESTATE', 4],
  ['RESEARCH_TECHNOLOGY', 4], ['AGRICULTURE', 3], ['UTILITIES', 2], ['RESIDENT_SERVICES', 5], ['HEALTH_SOCIAL_WORK', 3],
];

/** A PRNG-backed Faker for one (enterprise, purpose) pair: the same pair always draws the same values. */
export function seededFaker(...parts: (string | number)[]): Faker {
  const faker = zhCnFaker();
  faker.seed([SEED, ...parts.map(hashPart)]);
  return faker;
}

// Faker is loaded by the first seed, not by every process that imports this kit (each subgraph,
// the embedded gateway): its package entry loads all 70 locales, ~35 MB of RSS per process
// (bench/README.md, session 8). The zh_CN entry is Faker with the locales [zh_CN, en, base],
// the same definitions the seed always drew from.
const requireFaker = createRequire(import.meta.url);
let sharedFaker: Faker | undefined;
function zhCnFaker(): Faker {
  sharedFaker ??= (requireFaker('@faker-js/faker/locale/zh_CN') as { faker: Faker }).faker;
  return sharedFaker;
}

function hashPart(part: string | number): number {
  if (typeof part === 'number') return part;
  let hash = 2166136261;
  for (let i = 0; i < part.length; i++) hash = Math.imul(hash ^ part.charCodeAt(i), 16777619);
  return hash >>> 0;
}

/** A unique organization-code body for an index: a bijection, so codes never collide. */
function orgBody(index: number, modern: boolean): string {
  if (modern) {
    // Newer codes: "MA" + 6 characters of the code alphabet.
    let value = (index * 104729 + 7919) % 31 ** 6;
    let body = '';
    for (let i = 0; i < 6; i++) {
      body = USCC_ALPHABET[value % 31] + body;
      value = Math.floor(value / 31);
    }
    return `MA${body}`;
  }
  return String((index * 7927 + 10000019) % 10 ** 8).padStart(8, '0');
}

function pickWeighted<T>(faker: Faker, weights: [T, number][]): T {
  return faker.helpers.weightedArrayElement(weights.map(([value, weight]) => ({ value, weight })));
}

/** Showcase enterprises at fixed indexes, so that examples and tests can name them. */
export const SHOWCASE = {
  /** A clean group active in every sector: the playground's bank example. */
  MODEL_GROUP: 0,
  /** A risky supplier of the model group: penalties, low grades, on the severe-dishonesty list. */
  RISKY_SUPPLIER: 1,
  /** An elderly-care institution (private non-enterprise unit). */
  CARE_HOME: 2,
} as const;

function enterpriseAt(index: number): SeedEnterprise {
  const faker = seededFaker('enterprise', index);
  let industry = pickWeighted(faker, INDUSTRY_WEIGHTS);
  let risk: RiskProfile = pickWeighted(faker, [['CLEAN', 80], ['WATCH', 15], ['RISKY', 5]] as [RiskProfile, number][]);
  if (index === SHOWCASE.MODEL_GROUP) [industry, risk] = ['RESIDENT_SERVICES', 'CLEAN'];
  if (index === SHOWCASE.RISKY_SUPPLIER) [industry, risk] = ['MANUFACTURING', 'RISKY'];
  if (index === SHOWCASE.CARE_HOME) [industry, risk] = ['HEALTH_SOCIAL_WORK', 'CLEAN'];

  const authorityAndType: SeedEnterprise['authorityAndType'] =
    industry === 'HEALTH_SOCIAL_WORK' ? '52'
    : industry === 'AGRICULTURE' && faker.datatype.boolean(0.5) ? '93'
    : industry === 'HOSPITALITY' && faker.datatype.boolean(0.4) ? '92'
    : '91';
  const divisionCode = index < 3 ? '410105' : faker.helpers.arrayElement(DIVISIONS);
  const uscc = makeUscc(authorityAndType, divisionCode, orgBody(index, faker.datatype.boolean(0.6)));
  const tradeName = `${faker.helpers.arrayElement(TRADE_NAMES)}${faker.helpers.arrayElement(TRADE_NAMES)}`;
  const suffix =
    authorityAndType === '52' ? '养老院' : authorityAndType === '92' ? '店' : authorityAndType === '93' ? '专业合作社'
    : faker.datatype.boolean(0.15) ? '股份有限公司' : '有限公司';
  const name =
    index === SHOWCASE.MODEL_GROUP ? '郑州豫康综合服务集团有限公司'
    : index === SHOWCASE.RISKY_SUPPLIER ? '郑州鑫源包装制品有限公司'
    : index === SHOWCASE.CARE_HOME ? '郑州市金水区颐康养老院'
    : authorityAndType === '52' ? `郑州市${tradeName}${suffix}`
    : `郑州${tradeName}${INDUSTRIES[industry]}${suffix}`;
  const establishedOn = faker.date.between({ from: '1995-01-01', to: '2025-12-31' });
  establishedOn.setUTCHours(0, 0, 0, 0);

  const producer = ['MANUFACTURING', 'WHOLESALE_RETAIL', 'TRANSPORT_LOGISTICS', 'AGRICULTURE'].includes(industry);
  const polluter = ['MANUFACTURING', 'UTILITIES', 'CONSTRUCTION', 'AGRICULTURE'].includes(industry);
  const showcase = index === SHOWCASE.MODEL_GROUP;
  return {
    index,
    uscc,
    name,
    authorityAndType,
    divisionCode,
    industry,
    risk,
    establishedOn,
    sectors: {
      finance: showcase || index === SHOWCASE.RISKY_SUPPLIER || faker.datatype.boolean(0.9),
      supplyChain: showcase || index === SHOWCASE.RISKY_SUPPLIER || (producer ? faker.datatype.boolean(0.85) : faker.datatype.boolean(0.1)),
      environment: showcase || index === SHOWCASE.RISKY_SUPPLIER || (polluter ? faker.datatype.boolean(0.9) : faker.datatype.boolean(0.05)),
      housekeeping: showcase || industry === 'RESIDENT_SERVICES',
      elderlyCare: showcase || industry === 'HEALTH_SOCIAL_WORK',
      trade: showcase || index === SHOWCASE.RISKY_SUPPLIER || (producer ? faker.datatype.boolean(0.3) : faker.datatype.boolean(0.05)),
    },
  };
}

const universeCache = new Map<number, SeedEnterprise[]>();

/** The first `count` enterprises of the universe (a larger universe extends a smaller one). */
export function seedUniverse(count: number = DEFAULT_SEED_ENTERPRISES): SeedEnterprise[] {
  const cached = universeCache.get(count);
  if (cached) return cached;
  const enterprises = Array.from({ length: count }, (_, index) => enterpriseAt(index));
  universeCache.set(count, enterprises);
  return enterprises;
}

/** Inserts rows in chunks (createMany) so that 100,000 enterprises stay within statement limits. */
export async function insertInChunks<Row>(
  rows: Row[],
  createMany: (chunk: Row[]) => Promise<unknown>,
  chunkSize = 2000,
): Promise<void> {
  for (let start = 0; start < rows.length; start += chunkSize) {
    await createMany(rows.slice(start, start + chunkSize));
  }
}

/** PostgreSQL's limit on bind parameters in one statement. */
const MAX_BIND_PARAMETERS = 65_535;

/** A value as the pg driver should bind it into a Prisma-made column. */
function bindValue(value: unknown): unknown {
  // Prisma's DateTime columns are `timestamp(3)` holding UTC; pg would bind a Date in the
  // machine's local zone, which a column without time zone keeps as is.
  if (value instanceof Date) return value.toISOString();
  // Prisma.Decimal and the like: their text is what PostgreSQL parses.
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { toFixed?: unknown }).toFixed === 'function') {
    return String(value);
  }
  return value;
}

/**
 * Multi-row INSERTs through the driver: the rows of one createMany, as few statements as the
 * bind-parameter limit allows. Prisma's createMany goes through its (WASM) query engine at
 * some 6-7k rows/s; this writes 100,000 enterprises' records in well under a minute.
 * Tables and columns are the model's and fields' names: the seeded models use no @map.
 */
export async function bulkInsert(
  database: Pick<Database, 'query'>,
  table: string,
  rows: Record<string, unknown>[],
  options: { skipDuplicates?: boolean } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const perStatement = Math.max(1, Math.floor(MAX_BIND_PARAMETERS / columns.length));
  const columnList = columns.map((column) => `"${column}"`).join(', ');
  let inserted = 0;
  for (let start = 0; start < rows.length; start += perStatement) {
    const params: unknown[] = [];
    const tuples = rows.slice(start, start + perStatement).map((row) => {
      const values = columns.map((column) => {
        const value = row[column];
        // A field the row leaves out takes the column's default, as with createMany.
        if (value === undefined) return 'DEFAULT';
        params.push(bindValue(value));
        return `$${params.length}`;
      });
      return `(${values.join(', ')})`;
    });
    const insert = `INSERT INTO "${table}" (${columnList}) VALUES ${tuples.join(', ')}`;
    if (options.skipDuplicates) {
      inserted += (await database.query(`${insert} ON CONFLICT DO NOTHING RETURNING 1`, params)).length;
    } else {
      await database.query(insert, params);
      inserted += tuples.length;
    }
  }
  return inserted;
}

/**
 * The same Prisma client, except that every model's createMany is a bulkInsert on `database`:
 * the seed modules (insertInChunks over createMany) run unchanged, only faster.
 */
export function withBulkInserts<Db>(db: Db, database: Pick<Database, 'query'>): Db {
  const extendable = db as unknown as { $extends(extension: unknown): Db };
  return extendable.$extends({
    query: {
      $allModels: {
        async createMany({ model, args }: { model: string; args: { data: unknown; skipDuplicates?: boolean } }) {
          const rows = (Array.isArray(args.data) ? args.data : [args.data]) as Record<string, unknown>[];
          return { count: await bulkInsert(database, model, rows, { skipDuplicates: args.skipDuplicates }) };
        },
      },
    },
  });
}

/** A date `daysAgo` days before the seed's reference day. */
export function daysBefore(daysAgo: number): Date {
  return new Date(SEED_AS_OF.getTime() - daysAgo * 86_400_000);
}

/** Deterministic record ids: `<prefix>-<uscc>-<n>`. */
export function recordId(prefix: string, uscc: string, n: number): string {
  return `${prefix}-${uscc}-${n}`;
}

/** Public authorities that appear as deciding bodies and data sources in seed records. */
export const AUTHORITIES = {
  MARKET_REGULATION: { name: '郑州市市场监督管理局', uscc: makeUscc('11', '410100', '00500001') },
  ECOLOGY_ENVIRONMENT: { name: '郑州市生态环境局', uscc: makeUscc('11', '410100', '00500002') },
  TAXATION: { name: '国家税务总局郑州市税务局', uscc: makeUscc('11', '410100', '00500003') },
  CUSTOMS: { name: '中华人民共和国郑州海关', uscc: makeUscc('11', '410100', '00500004') },
  TRANSPORT: { name: '郑州市交通运输局', uscc: makeUscc('11', '410100', '00500005') },
  COMMERCE: { name: '郑州市商务局', uscc: makeUscc('11', '410100', '00500006') },
  CIVIL_AFFAIRS: { name: '郑州市民政局', uscc: makeUscc('11', '410100', '00500007') },
  DEVELOPMENT_REFORM: { name: '郑州市发展和改革委员会', uscc: makeUscc('11', '410100', '00500008') },
  EMERGENCY_MANAGEMENT: { name: '郑州市应急管理局', uscc: makeUscc('11', '410100', '00500009') },
  BIG_DATA: { name: '郑州市大数据管理局', uscc: makeUscc('11', '410100', '00500010') },
  /** A public agency that verifies bidders' credit (the playground's procurement example). */
  PUBLIC_RESOURCE_TRADING_CENTRE: { name: '郑州市公共资源交易中心', uscc: makeUscc('12', '410100', '00500011') },
} as const;

// Environment seed: for the enterprises the environmental authorities know, three years of
// credit ratings, penalties, disclosure and carbon reports that follow each one's risk profile.
import {
  AUTHORITIES,
  SEED_AS_OF,
  SHOWCASE,
  daysBefore,
  insertInChunks,
  recordId,
  seedUniverse,
  seededFaker,
  type SeedEnterprise,
} from '@credit-graph/subgraph-kit';
import type { Prisma, PrismaClient } from '../src/generated/prisma/client.ts';
import { levelForScore } from '../src/rating.ts';

type Faker = ReturnType<typeof seededFaker>;

const DAY = 86_400_000;
const AS_OF_YEAR = SEED_AS_OF.getUTCFullYear();
/** Ratings of the last three years, the current one included. */
const RATING_YEARS = [AS_OF_YEAR - 2, AS_OF_YEAR - 1, AS_OF_YEAR];
/** Disclosure and carbon reports cover a finished year, due early the year after. */
const REPORT_YEARS = [AS_OF_YEAR - 3, AS_OF_YEAR - 2, AS_OF_YEAR - 1];

type Kind = Prisma.EnvironmentalViolationCreateManyInput['kind'];
type Severity = Prisma.EnvironmentalViolationCreateManyInput['severity'];

/** kind, fact found, legal basis, severity, fine range in 10k CNY (the statute's range). */
const VIOLATIONS: [Kind, string, string, Severity, number, number][] = [
  ['EXCESS_EMISSION', '超过大气污染物排放标准排放大气污染物', '《中华人民共和国大气污染防治法》第九十九条', 'GENERAL', 10, 100],
  ['NO_PERMIT', '未取得排污许可证排放污染物', '《排污许可管理条例》第三十三条', 'GENERAL', 20, 100],
  ['DUST_CONTROL', '施工工地未采取覆盖、湿法作业等扬尘污染防治措施', '《中华人民共和国大气污染防治法》第一百一十五条', 'MINOR', 1, 10],
  ['OTHER', '未按规定披露企业环境信息', '《企业环境信息依法披露管理办法》第二十八条', 'MINOR', 1, 10],
  ['ILLEGAL_DISCHARGE', '通过暗管、渗井等逃避监管的方式排放水污染物', '《中华人民共和国水污染防治法》第八十三条', 'SEVERE', 20, 100],
  ['FALSIFIED_MONITORING_DATA', '篡改、伪造自动监测数据', '《中华人民共和国大气污染防治法》第一百条', 'SEVERE', 2, 20],
  ['HAZARDOUS_WASTE', '非法转移、倾倒危险废物', '《中华人民共和国固体废物污染环境防治法》第一百一十二条', 'SEVERE', 10, 100],
];
const MINOR_VIOLATIONS = VIOLATIONS.filter((v) => v[3] === 'MINOR');
const NOT_SEVERE_VIOLATIONS = VIOLATIONS.filter((v) => v[3] !== 'SEVERE');
const SEVERE_VIOLATIONS = VIOLATIONS.filter((v) => v[3] === 'SEVERE');

const CARBON_VERIFIERS = ['河南省环境科学研究院碳核查中心', '中原碳核查技术服务有限公司', '郑州绿源低碳认证有限公司'];
// Key pollutant dischargers (重点排污单位) must disclose environmental information every year.
const DISCLOSING_INDUSTRIES = new Set<SeedEnterprise['industry']>(['MANUFACTURING', 'UTILITIES']);

interface Rows {
  subjects: Prisma.EnvironmentSubjectCreateManyInput[];
  ratings: Prisma.EnvironmentalRatingCreateManyInput[];
  violations: Prisma.EnvironmentalViolationCreateManyInput[];
  disclosures: Prisma.EnvironmentalDisclosureCreateManyInput[];
  emissions: Prisma.CarbonEmissionCreateManyInput[];
}

/** Scores oldest year first; the current year's score carries the risk profile. */
function scores(faker: Faker, enterprise: SeedEnterprise): number[] {
  if (enterprise.index === SHOWCASE.MODEL_GROUP) return RATING_YEARS.map(() => faker.number.int({ min: 92, max: 99 }));
  const past = (min: number, max: number) => faker.number.int({ min, max });
  switch (enterprise.risk) {
    case 'CLEAN':
      // Mostly green or blue; now and then a yellow year in the past.
      return [faker.datatype.boolean(0.1) ? past(72, 79) : past(80, 99), past(80, 99), past(81, 99)];
    case 'WATCH':
      return [past(72, 92), past(70, 88), past(70, 86)];
    case 'RISKY':
      return [past(55, 82), past(50, 75), past(48, 69)];
  }
}

function violationCount(faker: Faker, enterprise: SeedEnterprise, currentScore: number): number {
  if (enterprise.index === SHOWCASE.MODEL_GROUP) return 0;
  if (enterprise.index === SHOWCASE.RISKY_SUPPLIER) return faker.number.int({ min: 2, max: 3 });
  switch (enterprise.risk) {
    case 'CLEAN':
      return faker.datatype.boolean(0.05) ? 1 : 0;
    case 'WATCH':
      // A watched enterprise is either rated yellow now or has a penalty on record.
      return levelForScore(currentScore) === 'YELLOW' && faker.datatype.boolean(0.5) ? 0 : 1;
    case 'RISKY':
      return faker.number.int({ min: 1, max: 3 });
  }
}

function addViolations(faker: Faker, enterprise: SeedEnterprise, count: number, rows: Rows): void {
  const { uscc, risk } = enterprise;
  for (let n = 0; n < count; n++) {
    // The first penalty of a risky enterprise is the severe one half the time (always for the showcase).
    const severe = risk === 'RISKY' && n === 0 && (enterprise.index === SHOWCASE.RISKY_SUPPLIER || faker.datatype.boolean(0.5));
    const [kind, fact, legalBasis, severity, minFine, maxFine] = faker.helpers.arrayElement(
      severe ? SEVERE_VIOLATIONS : risk === 'CLEAN' ? MINOR_VIOLATIONS : risk === 'WATCH' ? NOT_SEVERE_VIOLATIONS : VIOLATIONS,
    );
    // Decided and corrected (at most 90 days later) before the seed's reference day.
    const occurredOn = daysBefore(faker.number.int({ min: 100, max: 1000 }));
    const decidedOn = new Date(occurredOn.getTime() + faker.number.int({ min: 15, max: 50 }) * DAY);
    const corrected = faker.datatype.boolean(risk === 'RISKY' ? 0.3 : 0.85);
    const penaltyAmount = faker.number.float({ min: minFine, max: maxFine, fractionDigits: 2 });
    rows.violations.push({
      id: recordId('ENV', uscc, n),
      uscc,
      decisionNumber: `郑环罚〔${decidedOn.getUTCFullYear()}〕${enterprise.index}-${n}号`,
      occurredOn,
      decidedOn,
      kind,
      description: `经查，当事人${fact}。依据${legalBasis}，责令改正，处罚款${penaltyAmount}万元。`,
      penaltyAmount,
      severity,
      authority: AUTHORITIES.ECOLOGY_ENVIRONMENT.name,
      authorityUscc: AUTHORITIES.ECOLOGY_ENVIRONMENT.uscc,
      corrected,
      correctedOn: corrected ? new Date(decidedOn.getTime() + faker.number.int({ min: 10, max: 40 }) * DAY) : null,
    });
  }
}

function addDisclosures(faker: Faker, enterprise: SeedEnterprise, rows: Rows): void {
  const { uscc, risk } = enterprise;
  // Penalized risky enterprises fall under the disclosure duty too (办法 art. 8).
  const required = enterprise.index === SHOWCASE.MODEL_GROUP || risk === 'RISKY' || DISCLOSING_INDUSTRIES.has(enterprise.industry);
  REPORT_YEARS.forEach((year, n) => {
    const latest = n === REPORT_YEARS.length - 1;
    const status: Prisma.EnvironmentalDisclosureCreateManyInput['status'] =
      !required ? 'NOT_REQUIRED'
      : enterprise.index === SHOWCASE.MODEL_GROUP ? 'DISCLOSED'
      : risk === 'RISKY' ? (latest ? 'NOT_DISCLOSED' : faker.helpers.arrayElement(['LATE', 'NOT_DISCLOSED', 'DISCLOSED'] as const))
      : risk === 'WATCH' ? faker.helpers.weightedArrayElement([
          { value: 'DISCLOSED' as const, weight: 60 }, { value: 'LATE' as const, weight: 35 }, { value: 'NOT_DISCLOSED' as const, weight: 5 },
        ])
      : faker.datatype.boolean(0.95) ? 'DISCLOSED' : 'LATE';
    // The annual report is due by 15 March of the following year.
    const deadline = Date.UTC(year + 1, 2, 15);
    const disclosedOn =
      status === 'DISCLOSED' ? new Date(deadline - faker.number.int({ min: 0, max: 60 }) * DAY)
      : status === 'LATE' ? new Date(deadline + faker.number.int({ min: 1, max: 100 }) * DAY)
      : null;
    rows.disclosures.push({ id: recordId('DSC', uscc, year), uscc, year, required, status, disclosedOn });
  });
}

function addEmissions(faker: Faker, enterprise: SeedEnterprise, rows: Rows): void {
  const { uscc, risk, industry } = enterprise;
  const model = enterprise.index === SHOWCASE.MODEL_GROUP;
  // Power generation and heavy manufacturing report to the national carbon market; few others do.
  const reports = model || industry === 'UTILITIES' || (industry === 'MANUFACTURING' && faker.datatype.boolean(0.5));
  if (!reports) return;
  const base = industry === 'UTILITIES' ? faker.number.int({ min: 50_000, max: 2_000_000 }) : faker.number.int({ min: 5_000, max: 200_000 });
  const verifiedShare = model ? 1 : risk === 'CLEAN' ? 0.9 : risk === 'WATCH' ? 0.6 : 0.2;
  REPORT_YEARS.forEach((year) => {
    const verified = faker.datatype.boolean(verifiedShare);
    rows.emissions.push({
      id: recordId('CO2', uscc, year),
      uscc,
      year,
      tonnesCo2e: Math.round(base * faker.number.float({ min: 0.85, max: 1.1 }) * 10) / 10,
      verified,
      verifier: verified ? faker.helpers.arrayElement(CARBON_VERIFIERS) : null,
    });
  });
}

export async function seed(db: PrismaClient, count: number): Promise<void> {
  const rows: Rows = { subjects: [], ratings: [], violations: [], disclosures: [], emissions: [] };

  for (const enterprise of seedUniverse(count)) {
    if (!enterprise.sectors.environment) continue;
    const faker = seededFaker('environment', enterprise.index);
    const { uscc } = enterprise;
    rows.subjects.push({ uscc });

    const yearScores = scores(faker, enterprise);
    RATING_YEARS.forEach((year, n) => {
      const score = yearScores[n]!;
      rows.ratings.push({
        id: recordId('ENR', uscc, year),
        uscc,
        year,
        level: levelForScore(score),
        score,
        ratedBy: AUTHORITIES.ECOLOGY_ENVIRONMENT.name,
      });
    });

    addViolations(faker, enterprise, violationCount(faker, enterprise, yearScores.at(-1)!), rows);
    addDisclosures(faker, enterprise, rows);
    addEmissions(faker, enterprise, rows);
  }

  await insertInChunks(rows.subjects, (data) => db.environmentSubject.createMany({ data }));
  await insertInChunks(rows.ratings, (data) => db.environmentalRating.createMany({ data }));
  await insertInChunks(rows.violations, (data) => db.environmentalViolation.createMany({ data }));
  await insertInChunks(rows.disclosures, (data) => db.environmentalDisclosure.createMany({ data }));
  await insertInChunks(rows.emissions, (data) => db.carbonEmission.createMany({ data }));
}

export async function isEmpty(db: PrismaClient): Promise<boolean> {
  return (await db.environmentSubject.count()) === 0;
}

// Housekeeping seed: a company record with complaints and 5-25 workers for every housekeeping
// enterprise, and an elderly-care institution record for every elderly-care enterprise. Both
// follow each enterprise's risk profile; a worker is identified by an opaque token only.
import { createHash } from 'node:crypto';
import type { Faker } from '@faker-js/faker';
import {
  AUTHORITIES,
  SHOWCASE,
  daysBefore,
  insertInChunks,
  recordId,
  seedUniverse,
  seededFaker,
  type RiskProfile,
  type SeedEnterprise,
} from '@credit-graph/subgraph-kit';
import type {
  BackgroundCheckCategory,
  HousekeepingComplaintCategory as ComplaintCategory,
  Prisma,
  PrismaClient,
  Severity,
  WorkerServiceType as ServiceType,
} from '../src/generated/prisma/client.ts';

const DAY_MS = 86_400_000;

/**
 * The opaque, deterministic id of the n-th worker seeded for a company: "wk_" + 16 hex
 * characters of a hash. Tests and playground examples cite `workerIdFor(modelGroupUscc, 0)`.
 */
export function workerIdFor(uscc: string, n: number): string {
  return `wk_${createHash('sha256').update(`housekeeping-worker:${uscc}:${n}`).digest('hex').slice(0, 16)}`;
}

const COMPLAINTS: Record<ComplaintCategory, readonly string[]> = {
  SERVICE_QUALITY: ['保洁不彻底，厨房油污未处理', '育儿嫂照护不细致，雇主要求更换', '服务态度差，与雇主发生争执'],
  PROPERTY_DAMAGE: ['清洁时损坏实木地板', '打碎雇主家中瓷器未如实告知'],
  PRICE_DISPUTE: ['服务结束后要求额外加收费用', '合同约定价格与实际收费不一致', '中介服务费退还纠纷'],
  ABUSE: ['雇主反映家政员对老人言语辱骂', '监控显示育儿嫂对婴儿动作粗暴'],
  THEFT: ['雇主家中首饰丢失，怀疑与家政员有关', '家政员离职后雇主发现现金短少'],
  NO_SHOW: ['预约保洁服务未按时上门', '家政员临时爽约且未通知雇主'],
};
/**
 * A complaint's severity, which decides its publication window, follows from its category:
 * abuse and theft are severe, damage general, the rest minor. Migration 0002 backfills by it.
 */
export const COMPLAINT_SEVERITY: Record<ComplaintCategory, Severity> = {
  ABUSE: 'SEVERE',
  THEFT: 'SEVERE',
  PROPERTY_DAMAGE: 'GENERAL',
  SERVICE_QUALITY: 'MINOR',
  PRICE_DISPUTE: 'MINOR',
  NO_SHOW: 'MINOR',
};
const COMPLAINT_CATEGORIES: Record<RiskProfile, ComplaintCategory[]> = {
  CLEAN: ['SERVICE_QUALITY', 'PRICE_DISPUTE', 'NO_SHOW'],
  WATCH: ['SERVICE_QUALITY', 'PRICE_DISPUTE', 'NO_SHOW', 'PROPERTY_DAMAGE'],
  RISKY: ['SERVICE_QUALITY', 'PRICE_DISPUTE', 'NO_SHOW', 'PROPERTY_DAMAGE', 'ABUSE', 'THEFT'],
};

// Each service type with the certificate that qualifies for it and a typical course.
const SPECIALTIES: Record<ServiceType, { certificate: string; course: string; hours: [number, number] }> = {
  LIVE_IN_NANNY: { certificate: '家政服务员', course: '住家保姆综合技能', hours: [40, 80] },
  CHILDCARE: { certificate: '育婴员', course: '婴幼儿照护', hours: [40, 80] },
  MATERNITY_CARE: { certificate: '母婴护理', course: '产后母婴护理', hours: [60, 120] },
  ELDERLY_CARE: { certificate: '养老护理员', course: '老年人照护与安全', hours: [40, 80] },
  HOURLY_CLEANING: { certificate: '家政服务员', course: '家居清洁与收纳', hours: [16, 32] },
  HOME_CLEANING: { certificate: '家政服务员', course: '家居清洁与收纳', hours: [16, 32] },
};
const SERVICE_TYPES = Object.keys(SPECIALTIES) as ServiceType[];
const CERTIFICATE_LEVELS = ['五级/初级工', '四级/中级工', '三级/高级工'] as const;
const CERTIFICATE_ISSUERS = ['郑州市职业技能鉴定指导中心', '河南省家庭服务业协会', '郑州市家政服务职业培训学校'] as const;
const TRAINING_PROVIDERS = ['郑州市家政服务职业培训学校', '河南省巾帼家政培训中心', '郑州市职业技能公共实训中心'] as const;
const COMMON_COURSES = [['家政服务职业道德与法律常识', 8, 16], ['家庭急救与安全防护', 8, 16]] as const;
const FLAG_CATEGORIES: [BackgroundCheckCategory, number][] = [
  ['THEFT', 45], ['ABUSE', 20], ['INTENTIONAL_INJURY', 20], ['SEVERE_MENTAL_ILLNESS', 8], ['ARSON', 4], ['RAPE', 3],
];

/** Chance of a background check with a finding, per risk profile (about 3% of all workers). */
const FLAGGED_RATE: Record<RiskProfile, number> = { CLEAN: 0.02, WATCH: 0.05, RISKY: 0.1 };
const PENDING_RATE = 0.05;
/** Workers who have left their company and not joined another one yet. */
const DEPARTED_RATE = 0.03;

export interface HousekeepingRows {
  company: Prisma.HousekeepingCompanyCreateManyInput;
  complaints: Prisma.HousekeepingComplaintCreateManyInput[];
  workers: Prisma.WorkerCreateManyInput[];
  certificates: Prisma.WorkerCertificateCreateManyInput[];
  trainings: Prisma.WorkerTrainingCreateManyInput[];
  serviceRecords: Prisma.WorkerServiceRecordCreateManyInput[];
}

function ratingBetween(faker: Faker, min: number, max: number): number {
  return faker.number.float({ min, max, fractionDigits: 1 });
}

/**
 * A housekeeping company's rows. `otherCompanies` are the codes earlier jobs are drawn from;
 * every value except those employers is the same whatever the size of the universe.
 */
export function buildHousekeeping(enterprise: SeedEnterprise, otherCompanies: readonly string[]): HousekeepingRows {
  const faker = seededFaker('housekeeping', enterprise.index);
  const { uscc, risk } = enterprise;
  const model = enterprise.index === SHOWCASE.MODEL_GROUP;
  const [ratingMin, ratingMax] = risk === 'CLEAN' ? [4.3, 5] : risk === 'WATCH' ? [3.4, 4.4] : [2, 3.3];

  const company: Prisma.HousekeepingCompanyCreateManyInput = {
    uscc,
    serviceRating: model ? 4.9 : ratingBetween(faker, ratingMin, ratingMax),
    ratingCount: model ? 3268 : faker.number.int({ min: 20, max: 1500 }),
  };

  const complaintCount =
    model ? 2
    : risk === 'RISKY' ? faker.number.int({ min: 5, max: 10 })
    : risk === 'WATCH' ? faker.number.int({ min: 2, max: 5 })
    : faker.number.int({ min: 0, max: 2 });
  const resolvedRate = risk === 'CLEAN' ? 0.9 : risk === 'WATCH' ? 0.7 : 0.4;
  const complaints = Array.from({ length: complaintCount }, (_, n): Prisma.HousekeepingComplaintCreateManyInput => {
    // A risky company always has a theft and an abuse complaint among its complaints.
    const category: ComplaintCategory =
      risk === 'RISKY' && n < 2 ? (['THEFT', 'ABUSE'] as const)[n]! : faker.helpers.arrayElement(COMPLAINT_CATEGORIES[risk]);
    return {
      id: recordId('HKC', uscc, n),
      uscc,
      receivedOn: daysBefore(faker.number.int({ min: 5, max: 900 })),
      category,
      summary: faker.helpers.arrayElement(COMPLAINTS[category]),
      resolved: model || faker.datatype.boolean(resolvedRate),
      severity: COMPLAINT_SEVERITY[category],
    };
  });

  const rows: HousekeepingRows = { company, complaints, workers: [], certificates: [], trainings: [], serviceRecords: [] };
  const workerCount = model ? 25 : faker.number.int({ min: 5, max: 25 });
  for (let n = 0; n < workerCount; n++) addWorker(rows, faker, enterprise, n, otherCompanies);
  return rows;
}

function addWorker(
  rows: HousekeepingRows,
  faker: Faker,
  enterprise: SeedEnterprise,
  n: number,
  otherCompanies: readonly string[],
): void {
  const { uscc, risk } = enterprise;
  const id = workerIdFor(uscc, n);
  // The model group's first worker is the playground's example: employed, checked, certified.
  const showcaseWorker = enterprise.index === SHOWCASE.MODEL_GROUP && n === 0;
  const sex = faker.datatype.boolean(0.88) ? 'female' : 'male';
  const name = faker.person.lastName() + faker.person.firstName(sex);
  const birthDate = daysBefore(faker.number.int({ min: 20 * 366, max: 60 * 365 }));
  const specialty = showcaseWorker ? 'ELDERLY_CARE' : faker.helpers.arrayElement(SERVICE_TYPES);
  const employedSince = daysBefore(faker.number.int({ min: 60, max: 2500 }));
  const departed = !showcaseWorker && faker.datatype.boolean(DEPARTED_RATE);

  // A risky company always employs at least one worker whose background check has a finding.
  const flagRoll = faker.number.float({ min: 0, max: 1 });
  const flaggedRate = enterprise.index === SHOWCASE.MODEL_GROUP ? 0 : FLAGGED_RATE[risk];
  const outcome =
    showcaseWorker ? 'CLEAR'
    : (risk === 'RISKY' && n === 1) || flagRoll < flaggedRate ? 'FLAGGED'
    : flagRoll < flaggedRate + PENDING_RATE ? 'PENDING'
    : 'CLEAR';
  const flagged = outcome === 'FLAGGED' ? [faker.helpers.weightedArrayElement(FLAG_CATEGORIES.map(([value, weight]) => ({ value, weight })))] : [];

  const [ratingMin, ratingMax] = outcome === 'FLAGGED' ? [2, 3.8] : risk === 'CLEAN' ? [4.2, 5] : risk === 'WATCH' ? [3.5, 4.8] : [2.5, 4.5];
  const ratingCount = showcaseWorker ? 186 : faker.number.int({ min: 0, max: 150 });
  const ratingAverage = ratingBetween(faker, ratingMin, ratingMax);

  rows.workers.push({
    id,
    uscc: departed ? null : uscc,
    employedSince: departed ? null : employedSince,
    name,
    sex: sex === 'female' ? 'FEMALE' : 'MALE',
    birthDate,
    serviceTypes: [specialty],
    ratingAverage: ratingCount === 0 ? null : showcaseWorker ? 4.9 : ratingAverage,
    ratingCount,
    backgroundOutcome: outcome,
    backgroundCheckedOn: outcome === 'PENDING' ? null : new Date(employedSince.getTime() - faker.number.int({ min: 3, max: 30 }) * DAY_MS),
    flaggedCategories: flagged,
  });

  // Certificates: the specialty's one (most workers), sometimes a second one.
  const secondCertificate = faker.datatype.boolean(0.3) ? SPECIALTIES[faker.helpers.arrayElement(SERVICE_TYPES)].certificate : null;
  const hasCertificate = faker.datatype.boolean(risk === 'RISKY' ? 0.6 : 0.85);
  const certificateNames =
    showcaseWorker ? ['养老护理员', '家政服务员']
    : hasCertificate ? [...new Set([SPECIALTIES[specialty].certificate, ...(secondCertificate ? [secondCertificate] : [])])]
    : [];
  certificateNames.forEach((certificate, c) => {
    rows.certificates.push({
      id: recordId('CRT', id, c),
      workerId: id,
      name: certificate,
      level: showcaseWorker && c === 0 ? CERTIFICATE_LEVELS[2] : faker.helpers.arrayElement(CERTIFICATE_LEVELS),
      issuedOn: new Date(employedSince.getTime() - faker.number.int({ min: 10, max: 700 }) * DAY_MS),
      issuer: faker.helpers.arrayElement(CERTIFICATE_ISSUERS),
    });
  });

  // Trainings: the pre-service ethics course, the specialty course, sometimes first aid.
  const courses: [string, number][] = [
    [COMMON_COURSES[0][0], faker.number.int({ min: COMMON_COURSES[0][1], max: COMMON_COURSES[0][2] })],
    [SPECIALTIES[specialty].course, faker.number.int({ min: SPECIALTIES[specialty].hours[0], max: SPECIALTIES[specialty].hours[1] })],
  ];
  if (showcaseWorker || faker.datatype.boolean(0.4)) {
    courses.push([COMMON_COURSES[1][0], faker.number.int({ min: COMMON_COURSES[1][1], max: COMMON_COURSES[1][2] })]);
  }
  courses.forEach(([course, hours], t) => {
    rows.trainings.push({
      id: recordId('TRN', id, t),
      workerId: id,
      course,
      hours,
      completedOn: daysBefore(faker.number.int({ min: 20, max: 2600 })),
      provider: faker.helpers.arrayElement(TRAINING_PROVIDERS),
    });
  });

  // Service history: earlier jobs at other companies, then the current (or last) one.
  const earlierJobs = showcaseWorker ? 2 : faker.number.int({ min: 0, max: 2 });
  let end = new Date(employedSince.getTime() - faker.number.int({ min: 10, max: 120 }) * DAY_MS);
  for (let j = 0; j < earlierJobs; j++) {
    const from = new Date(end.getTime() - faker.number.int({ min: 90, max: 900 }) * DAY_MS);
    // Always draw, so that later values do not depend on how many companies there are.
    const employerDraw = faker.number.int({ min: 0, max: 1_000_000 });
    const serviceType = faker.helpers.arrayElement(SERVICE_TYPES);
    if (otherCompanies.length > 0) {
      rows.serviceRecords.push({
        id: recordId('SVC', id, j + 1),
        workerId: id,
        employerUscc: otherCompanies[employerDraw % otherCompanies.length]!,
        serviceType,
        from,
        to: end,
      });
    }
    end = new Date(from.getTime() - faker.number.int({ min: 10, max: 120 }) * DAY_MS);
  }
  rows.serviceRecords.push({
    id: recordId('SVC', id, 0),
    workerId: id,
    employerUscc: uscc,
    serviceType: specialty,
    from: employedSince,
    to: departed ? daysBefore(faker.number.int({ min: 1, max: 50 })) : null,
  });
}

// ---------------------------------------------------------------- elderly care

const INSPECTION_FINDINGS = {
  PASSED: ['消防设施完好，护理记录规范', '未发现问题', '食品留样及消毒记录齐全'],
  RECTIFICATION_REQUIRED: ['消防通道堆放杂物，责令限期整改', '养老护理员配比不足，责令限期整改', '食品留样记录不全，责令限期整改'],
  FAILED: ['未通过消防验收擅自收住老年人', '经查存在护理员殴打老年人情形', '超出核定床位数收住老年人'],
} as const;
/** A failed inspection's severity, from its finding (migration 0002 backfills by the same rule). */
const FAILED_SEVERITY: Record<(typeof INSPECTION_FINDINGS)['FAILED'][number], Severity> = {
  '未通过消防验收擅自收住老年人': 'SEVERE',
  '经查存在护理员殴打老年人情形': 'SEVERE',
  '超出核定床位数收住老年人': 'GENERAL',
};
const ELDERLY_PENALTIES = {
  MINOR: ['未按规定报送统计资料', '未按规定公示服务项目和收费标准'],
  GENERAL: ['未按规定配备养老护理员', '食品安全管理制度落实不到位', '超出核定床位数收住老年人'],
  SEVERE: ['歧视、侮辱、虐待老年人', '存在重大火灾隐患拒不整改', '以养老服务为名非法集资'],
} as const;
type SeverityLevel = keyof typeof ELDERLY_PENALTIES;

export interface ElderlyCareRows {
  institution: Prisma.ElderlyCareInstitutionCreateManyInput;
  inspections: Prisma.ElderlyCareInspectionCreateManyInput[];
  penalties: Prisma.ElderlyCarePenaltyCreateManyInput[];
  commitments: Prisma.ElderlyCareCommitmentCreateManyInput[];
}

export function buildElderlyCare(enterprise: SeedEnterprise): ElderlyCareRows {
  const faker = seededFaker('elderly-care', enterprise.index);
  const { uscc, risk, index } = enterprise;
  const showcase = index === SHOWCASE.MODEL_GROUP || index === SHOWCASE.CARE_HOME;

  const filed = showcase || faker.datatype.boolean(risk === 'CLEAN' ? 0.97 : risk === 'WATCH' ? 0.85 : 0.6);
  const filedOn = daysBefore(faker.number.int({ min: 300, max: 2500 }));
  const gradeRoll = faker.helpers.weightedArrayElement(
    (risk === 'CLEAN'
      ? [[2, 10], [3, 30], [4, 40], [5, 20]]
      : risk === 'WATCH' ? [[2, 30], [3, 40], [4, 20], [0, 10]]
      : [[1, 35], [2, 35], [0, 30]]
    ).map(([value, weight]) => ({ value: value!, weight: weight! })),
  );
  const assessedGrade =
    index === SHOWCASE.MODEL_GROUP ? 5
    : index === SHOWCASE.CARE_HOME ? faker.helpers.arrayElement([4, 5])
    : filed && gradeRoll > 0 ? gradeRoll : null;
  const institution: Prisma.ElderlyCareInstitutionCreateManyInput = {
    uscc,
    filed,
    filingNumber: filed ? `郑民养老备字〔${filedOn.getUTCFullYear()}〕第${String(index).padStart(5, '0')}号` : null,
    filedOn: filed ? filedOn : null,
    assessedGrade,
    gradedOn: assessedGrade === null ? null : daysBefore(faker.number.int({ min: 60, max: 1000 })),
    beds: index === SHOWCASE.MODEL_GROUP ? 320 : faker.number.int({ min: index === SHOWCASE.CARE_HOME ? 120 : 30, max: 500 }),
    onDishonestyList: risk === 'RISKY' && faker.datatype.boolean(0.3),
  };

  const inspectionCount = showcase ? 4 : faker.number.int({ min: 1, max: 4 });
  const inspections = Array.from({ length: inspectionCount }, (_, n): Prisma.ElderlyCareInspectionCreateManyInput => {
    const result =
      showcase ? 'PASSED'
      : risk === 'RISKY' && n === 0 ? 'FAILED'
      : (risk === 'RISKY' || risk === 'WATCH') && n === 1 ? 'RECTIFICATION_REQUIRED'
      : faker.datatype.boolean(0.95) ? 'PASSED' : 'RECTIFICATION_REQUIRED';
    const inspector = faker.datatype.boolean(0.75) ? AUTHORITIES.CIVIL_AFFAIRS : AUTHORITIES.MARKET_REGULATION;
    const inspectedOn = daysBefore(faker.number.int({ min: 10 + n * 200, max: 200 + n * 200 }));
    const findings = faker.helpers.arrayElement(INSPECTION_FINDINGS[result]);
    return {
      id: recordId('ECI', uscc, n),
      uscc,
      inspectedOn,
      inspector: inspector.name,
      inspectorUscc: inspector.uscc,
      result,
      findings,
      severity: result === 'FAILED' ? FAILED_SEVERITY[findings as keyof typeof FAILED_SEVERITY] : null,
    };
  });

  // Risky institutions were penalized within the last two years, which withholds their grade.
  const penaltyPlan: [SeverityLevel, number, number][] =
    showcase ? []
    : risk === 'RISKY' ? Array.from({ length: faker.number.int({ min: 1, max: 3 }) }, () => [faker.helpers.arrayElement(['GENERAL', 'SEVERE'] as const), 30, 700])
    : risk === 'WATCH' ? (faker.datatype.boolean(0.4) ? [['GENERAL', 200, 1200]] : [])
    : faker.datatype.boolean(0.05) ? [['MINOR', 800, 1500]] : [];
  const penalties = penaltyPlan.map(([severity, minDays, maxDays], n): Prisma.ElderlyCarePenaltyCreateManyInput => {
    const decidedOn = daysBefore(faker.number.int({ min: minDays, max: maxDays }));
    const [minAmount, maxAmount] = severity === 'MINOR' ? [0.1, 0.5] : severity === 'GENERAL' ? [0.5, 3] : [3, 10];
    return {
      id: recordId('ECP', uscc, n),
      uscc,
      decisionNumber: `郑民罚决字〔${decidedOn.getUTCFullYear()}〕${index}-${n}号`,
      decidedOn,
      reason: faker.helpers.arrayElement(ELDERLY_PENALTIES[severity]),
      amount: faker.number.float({ min: minAmount, max: maxAmount, fractionDigits: 2 }),
      severity,
    };
  });

  const commitments: Prisma.ElderlyCareCommitmentCreateManyInput[] = [];
  if (showcase || faker.datatype.boolean(0.8)) {
    const madeOn = daysBefore(faker.number.int({ min: 30, max: 700 }));
    commitments.push({
      id: recordId('ECC', uscc, 0),
      uscc,
      content: '本机构承诺依法依规开展养老服务，不歧视、侮辱、虐待或遗弃老年人，不以养老服务为名非法集资，自愿接受监督。',
      madeOn,
      termEnd: new Date(madeOn.getTime() + 2 * 365 * DAY_MS),
    });
  }
  return { institution, inspections, penalties, commitments };
}

export async function seed(db: PrismaClient, count: number): Promise<void> {
  const universe = seedUniverse(count);
  const companyCodes = universe.filter((e) => e.sectors.housekeeping).map((e) => e.uscc);
  const housekeeping = universe
    .filter((e) => e.sectors.housekeeping)
    .map((e) => buildHousekeeping(e, companyCodes.filter((code) => code !== e.uscc)));
  const elderlyCare = universe.filter((e) => e.sectors.elderlyCare).map(buildElderlyCare);

  // Parents before children: complaints and workers reference companies, records reference workers.
  await insertInChunks(housekeeping.map((rows) => rows.company), (data) => db.housekeepingCompany.createMany({ data }));
  await insertInChunks(housekeeping.flatMap((rows) => rows.complaints), (data) => db.housekeepingComplaint.createMany({ data }));
  await insertInChunks(housekeeping.flatMap((rows) => rows.workers), (data) => db.worker.createMany({ data }));
  await insertInChunks(housekeeping.flatMap((rows) => rows.certificates), (data) => db.workerCertificate.createMany({ data }));
  await insertInChunks(housekeeping.flatMap((rows) => rows.trainings), (data) => db.workerTraining.createMany({ data }));
  await insertInChunks(housekeeping.flatMap((rows) => rows.serviceRecords), (data) => db.workerServiceRecord.createMany({ data }));

  await insertInChunks(elderlyCare.map((rows) => rows.institution), (data) => db.elderlyCareInstitution.createMany({ data }));
  await insertInChunks(elderlyCare.flatMap((rows) => rows.inspections), (data) => db.elderlyCareInspection.createMany({ data }));
  await insertInChunks(elderlyCare.flatMap((rows) => rows.penalties), (data) => db.elderlyCarePenalty.createMany({ data }));
  await insertInChunks(elderlyCare.flatMap((rows) => rows.commitments), (data) => db.elderlyCareCommitment.createMany({ data }));
}

export async function isEmpty(db: PrismaClient): Promise<boolean> {
  return (await db.housekeepingCompany.count()) === 0 && (await db.elderlyCareInstitution.count()) === 0;
}

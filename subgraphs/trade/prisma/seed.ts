// Trade seed: a customs credit record for every enterprise whose `sectors.trade` flag is set,
// with history, 2023-2025 volumes, declaration violations and investment filings that follow
// its risk profile. CLEAN: routine, ~15% advanced certified (AEO); WATCH: routine with a late
// declaration; RISKY: dishonest after a severe violation. The seed uses only Order 251's three
// categories: the five-tier scheme (CERTIFIED, SEVERELY_DISHONEST) is unconfirmed. Each
// violation names the declaration (报关单) it concerns and the day it occurred; each category
// period the grounds customs gave.
import {
  SEED_AS_OF,
  SHOWCASE,
  daysBefore,
  insertInChunks,
  recordId,
  seedUniverse,
  seededFaker,
  type Industry,
  type SeedEnterprise,
} from '@credit-graph/subgraph-kit';
import type {
  CustomsCreditCategory,
  DeclarationViolationKind,
  Prisma,
  PrismaClient,
  Severity,
} from '../src/generated/prisma/client.ts';

type Faker = ReturnType<typeof seededFaker>;

const DAY = 86_400_000;
const VOLUME_YEARS = [2023, 2024, 2025] as const;

/** Trade partners with their Chinese names and a weight for how often they appear. */
const MARKETS: [code: string, name: string, weight: number][] = [
  ['US', '美国', 14], ['DE', '德国', 10], ['JP', '日本', 8], ['KR', '韩国', 8], ['VN', '越南', 8],
  ['HK', '中国香港', 7], ['MY', '马来西亚', 5], ['NL', '荷兰', 5], ['LU', '卢森堡', 4], ['PL', '波兰', 4],
  ['RU', '俄罗斯', 4], ['KZ', '哈萨克斯坦', 3], ['TH', '泰国', 4], ['SG', '新加坡', 4], ['AU', '澳大利亚', 3],
  ['AE', '阿联酋', 3], ['BR', '巴西', 2], ['ID', '印度尼西亚', 4],
];
const COUNTRY_NAMES = new Map(MARKETS.map(([code, name]) => [code, name]));
const OUTBOUND_DESTINATIONS = ['VN', 'MY', 'ID', 'TH', 'KZ', 'DE', 'LU', 'SG', 'AE', 'PL'];
const INBOUND_ORIGINS = ['HK', 'SG', 'KR', 'JP', 'DE', 'US', 'NL'];

/** GB/T 4754 section names for the investment's sector. */
const SECTOR_NAMES: Record<Industry, string> = {
  AGRICULTURE: '农、林、牧、渔业',
  MANUFACTURING: '制造业',
  UTILITIES: '电力、热力、燃气及水生产和供应业',
  CONSTRUCTION: '建筑业',
  WHOLESALE_RETAIL: '批发和零售业',
  TRANSPORT_LOGISTICS: '交通运输、仓储和邮政业',
  HOSPITALITY: '住宿和餐饮业',
  INFORMATION_TECHNOLOGY: '信息传输、软件和信息技术服务业',
  REAL_ESTATE: '房地产业',
  BUSINESS_SERVICES: '租赁和商务服务业',
  RESEARCH_TECHNOLOGY: '科学研究和技术服务业',
  RESIDENT_SERVICES: '居民服务、修理和其他服务业',
  HEALTH_SOCIAL_WORK: '卫生和社会工作',
};

const VIOLATIONS: Record<DeclarationViolationKind, { description: string; severity: Severity; fine: [number, number] }> = {
  LATE_DECLARATION: { description: '进口货物未在规定期限内向海关申报，影响海关监管秩序', severity: 'MINOR', fine: [0, 0.5] },
  MISDECLARED_CLASSIFICATION: { description: '进口货物商品编号申报不实，影响海关统计准确性', severity: 'MINOR', fine: [0.2, 3] },
  MISDECLARED_ORIGIN: { description: '出口货物原产地申报不实，影响海关原产地管理', severity: 'GENERAL', fine: [1, 10] },
  MISDECLARED_VALUE: { description: '进口货物申报价格低于实际成交价格，影响国家税款征收', severity: 'GENERAL', fine: [2, 30] },
  SMUGGLING: { description: '伪报贸易方式、低报价格进口货物，偷逃应缴税款，构成走私行为', severity: 'SEVERE', fine: [50, 500] },
  OTHER: { description: '未按规定办理加工贸易手册核销手续', severity: 'MINOR', fine: [0, 1] },
};

/** Violations found on an export declaration; the others concern imports. */
const EXPORT_KINDS = new Set<DeclarationViolationKind>(['MISDECLARED_ORIGIN']);

/**
 * 18-digit customs declaration number (报关单编号): the declaring customs office (4600,
 * Zhengzhou Customs), the year, 1 for an import or 0 for an export, and a 9-digit serial.
 */
function declarationNumberOf(declaredOn: Date, exported: boolean, serial: string): string {
  return `4600${declaredOn.getUTCFullYear()}${exported ? '0' : '1'}${serial}`;
}

/** The grounds customs gives for a category period (the first one is the registration). */
function changeReason(category: CustomsCreditCategory, n: number, risk: SeedEnterprise['risk']): string {
  if (n === 0) return '办理报关单位备案，按一般信用企业管理';
  switch (category) {
    case 'ADVANCED_CERTIFIED':
      return '经海关认证，符合高级认证企业标准';
    case 'DISHONEST':
      return '有走私行为或严重违反海关监管规定，认定为失信企业';
    case 'ROUTINE':
      return risk === 'WATCH' ? '海关重新认证未达到高级认证企业标准，调整为一般信用企业' : '调整为一般信用企业';
    default:
      return '海关企业信用等级调整';
  }
}

/** Economic-zone digit of the customs code for the zones that have one; 9 elsewhere. */
const ZONE_DIGITS: Record<string, string> = { '410171': '2', '410172': '3', '410173': '5' };

const daysAgoOf = (date: Date) => Math.round((SEED_AS_OF.getTime() - date.getTime()) / DAY);
const dayBefore = (date: Date) => new Date(date.getTime() - DAY);

/**
 * 10-character customs code: 4-digit region, economic-zone digit, then a serial taken from the
 * enterprise index (unique up to 99,999 enterprises). The real layout has an enterprise-type
 * digit before a 4-digit serial; the seed trades it for uniqueness.
 */
function customsCodeOf(enterprise: SeedEnterprise): string {
  const zone = ZONE_DIGITS[enterprise.divisionCode] ?? '9';
  return `${enterprise.divisionCode.slice(0, 4)}${zone}${String((enterprise.index + 1) % 100_000).padStart(5, '0')}`;
}

/** Distinct markets drawn by weight, largest first. */
function pickMarkets(faker: Faker, count: number): string[] {
  const picked = new Set<string>();
  while (picked.size < count) {
    picked.add(faker.helpers.weightedArrayElement(MARKETS.map(([value, , weight]) => ({ value, weight }))));
  }
  return [...picked];
}

export async function seed(db: PrismaClient, count: number): Promise<void> {
  const universe = seedUniverse(count).filter((enterprise) => enterprise.sectors.trade);
  const credits: Prisma.CustomsCreditCreateManyInput[] = [];
  const history: Prisma.CustomsCreditChangeCreateManyInput[] = [];
  const volumes: Prisma.TradeVolumeCreateManyInput[] = [];
  const violations: Prisma.DeclarationViolationCreateManyInput[] = [];
  const investments: Prisma.CrossBorderInvestmentCreateManyInput[] = [];

  for (const enterprise of universe) {
    const faker = seededFaker('trade', enterprise.index);
    const { uscc, risk, index } = enterprise;
    const isModel = index === SHOWCASE.MODEL_GROUP;
    // Registered with customs some months after establishment, at least 20 days before the seed day.
    const registeredAgo = Math.max(daysAgoOf(enterprise.establishedOn) - faker.number.int({ min: 30, max: 540 }), 20);
    const registeredOn = daysBefore(registeredAgo);
    const customsCode = customsCodeOf(enterprise);

    // Violations first: a RISKY enterprise's dishonest finding follows its severe violation.
    const kinds: { kind: DeclarationViolationKind; severity: Severity; ago: number }[] = [];
    // Within the 5-year disclosure window (Henan art. 19) and after customs registration.
    const anyTime = () => faker.number.int({ min: 10, max: Math.max(11, Math.min(registeredAgo - 5, 1800)) });
    if (risk === 'RISKY') {
      // Within customs history (registeredAgo is at least 20), at least 60 days back when there is room.
      const latest = Math.min(registeredAgo - 10, 1000);
      const severeAgo = faker.number.int({ min: Math.min(60, latest), max: latest });
      kinds.push({ kind: faker.datatype.boolean(0.5) ? 'SMUGGLING' : 'MISDECLARED_VALUE', severity: 'SEVERE', ago: severeAgo });
      for (let n = faker.number.int({ min: 1, max: 3 }); n > 0; n--) {
        const kind = faker.helpers.arrayElement<DeclarationViolationKind>(['MISDECLARED_VALUE', 'MISDECLARED_ORIGIN', 'MISDECLARED_CLASSIFICATION', 'SMUGGLING', 'OTHER']);
        kinds.push({ kind, severity: VIOLATIONS[kind].severity, ago: anyTime() });
      }
    } else if (risk === 'WATCH') {
      kinds.push({ kind: 'LATE_DECLARATION', severity: 'MINOR', ago: anyTime() });
      if (faker.datatype.boolean(0.3)) {
        const kind = faker.helpers.arrayElement<DeclarationViolationKind>(['MISDECLARED_CLASSIFICATION', 'MISDECLARED_ORIGIN']);
        kinds.push({ kind, severity: VIOLATIONS[kind].severity, ago: anyTime() });
      }
    }

    // Category periods, oldest first; each ends the day before the next one starts.
    const periods: { category: CustomsCreditCategory; from: Date }[] = [{ category: 'ROUTINE', from: registeredOn }];
    // Certification needs a track record: at least a year after registration.
    const certifiable = registeredAgo > 425;
    const certifiedAgo = () => faker.number.int({ min: 60, max: Math.min(registeredAgo - 365, 2500) });
    if (risk === 'CLEAN' && certifiable && (isModel || faker.datatype.boolean(0.15))) {
      periods.push({ category: 'ADVANCED_CERTIFIED', from: daysBefore(certifiedAgo()) });
    } else if (risk === 'WATCH' && certifiable && faker.datatype.boolean(0.2)) {
      // Lost AEO status at a re-assessment: certified for a while, routine again since.
      const certified = certifiedAgo();
      periods.push({ category: 'ADVANCED_CERTIFIED', from: daysBefore(certified) });
      periods.push({ category: 'ROUTINE', from: daysBefore(faker.number.int({ min: 20, max: Math.max(21, certified - 30) })) });
    } else if (risk === 'RISKY') {
      const severeAgo = kinds[0]!.ago;
      periods.push({ category: 'DISHONEST', from: daysBefore(Math.max(severeAgo - faker.number.int({ min: 10, max: 45 }), 1)) });
    }
    const current = periods.at(-1)!;
    credits.push({
      uscc,
      customsCode,
      category: current.category,
      since: current.from,
      // The AEO certificate number is "AEOCN" followed by the customs code.
      aeoCertificateNumber: current.category === 'ADVANCED_CERTIFIED' ? `AEOCN${customsCode}` : null,
    });
    periods.forEach((period, n) => {
      const next = periods[n + 1];
      history.push({
        id: recordId('CCH', uscc, n),
        uscc,
        category: period.category,
        from: period.from,
        to: next ? dayBefore(next.from) : null,
        reason: changeReason(period.category, n, risk),
      });
    });

    const ownViolations: Prisma.DeclarationViolationCreateManyInput[] = [];
    kinds.forEach(({ kind, severity, ago }, n) => {
      const decidedOn = daysBefore(ago);
      const [min, max] = severity === 'SEVERE' && kind !== 'SMUGGLING' ? [30, 300] : VIOLATIONS[kind].fine;
      ownViolations.push({
        id: recordId('DVL', uscc, n),
        uscc,
        decisionNumber: `郑关缉违字〔${decidedOn.getUTCFullYear()}〕${index}-${n}号`,
        // Set below, from a faker of their own: the draws above and below stay as they were.
        declarationNumber: null,
        occurredOn: decidedOn,
        decidedOn,
        kind,
        description: VIOLATIONS[kind].description,
        penaltyAmount: faker.number.float({ min, max, fractionDigits: 4 }),
        severity,
      });
    });

    // Yearly volumes from the year of customs registration (at the earliest 2023) to 2025; a risky trader shrinks.
    const producer = ['MANUFACTURING', 'WHOLESALE_RETAIL', 'TRANSPORT_LOGISTICS', 'AGRICULTURE'].includes(enterprise.industry);
    const base = isModel ? 8000 : faker.number.float({ min: producer ? 50 : 10, max: producer ? 3000 : 500 });
    const growth = risk === 'RISKY' ? faker.number.float({ min: -0.35, max: -0.1 }) : faker.number.float({ min: -0.1, max: 0.25 });
    // The model group is a net exporter, like a manufacturer.
    const exportShare = isModel || enterprise.industry === 'MANUFACTURING' ? 0.7 : faker.number.float({ min: 0.3, max: 0.7 });
    const markets = isModel ? ['DE', 'LU', 'US', 'VN'] : pickMarkets(faker, faker.number.int({ min: 2, max: 4 }));
    for (const year of VOLUME_YEARS) {
      if (year < registeredOn.getUTCFullYear()) continue;
      const total = base * (1 + growth) ** (year - VOLUME_YEARS[0]) * faker.number.float({ min: 0.9, max: 1.1 });
      volumes.push({
        id: recordId('TVL', uscc, year),
        uscc,
        year,
        importUsd: Math.round(total * (1 - exportShare) * 100) / 100,
        exportUsd: Math.round(total * exportShare * 100) / 100,
        mainMarkets: markets,
      });
    }

    const investmentCount = isModel ? 2 : faker.datatype.boolean(risk === 'RISKY' ? 0.3 : 0.15) ? faker.number.int({ min: 1, max: 2 }) : 0;
    for (let n = 0; n < investmentCount; n++) {
      // The model group: an outbound investment (permitted) and an inbound one from Hong Kong.
      const direction = isModel ? (n === 0 ? 'OUTBOUND' : 'INBOUND') : faker.datatype.boolean(0.55) ? 'OUTBOUND' : 'INBOUND';
      const country = isModel
        ? n === 0 ? 'SG' : 'HK'
        : faker.helpers.arrayElement(direction === 'OUTBOUND' ? OUTBOUND_DESTINATIONS : INBOUND_ORIGINS);
      const negativeListCheck = isModel
        ? 'PERMITTED'
        : faker.helpers.weightedArrayElement([
            { value: 'PERMITTED' as const, weight: risk === 'RISKY' ? 60 : 80 },
            { value: 'RESTRICTED_APPROVED' as const, weight: risk === 'RISKY' ? 20 : 17 },
            { value: 'PROHIBITED_REJECTED' as const, weight: risk === 'RISKY' ? 20 : 3 },
          ]);
      const filedOn = daysBefore(faker.number.int({ min: 30, max: Math.max(31, Math.min(daysAgoOf(enterprise.establishedOn) - 10, 2500)) }));
      const year = filedOn.getUTCFullYear();
      const serial = String((index * 7 + n + 1) % 100_000).padStart(5, '0');
      investments.push({
        id: recordId('CBI', uscc, n),
        uscc,
        direction,
        country,
        countryName: COUNTRY_NAMES.get(country) ?? country,
        amount: isModel ? (n === 0 ? 1200 : 800) : faker.number.float({ min: 50, max: direction === 'OUTBOUND' ? 5000 : 3000, fractionDigits: 2 }),
        sector: SECTOR_NAMES[enterprise.industry],
        filedOn,
        negativeListCheck,
        // Outbound filings get an overseas investment certificate (境外投资证书); inbound ones
        // outside the negative list need only an information report, so carry no number.
        approvalNumber:
          negativeListCheck === 'PROHIBITED_REJECTED' ? null
          : direction === 'OUTBOUND' ? `境外投资证第N4100${year}${serial}号`
          : negativeListCheck === 'RESTRICTED_APPROVED' ? `豫商务外资批〔${year}〕${serial}号`
          : null,
      });
    }

    // The violations' declarations and occurrence days, drawn last: seededFaker reseeds one
    // shared instance, so drawing them earlier would change every later row of the enterprise.
    if (ownViolations.length > 0) {
      const details = seededFaker('trade', 'declarations', index);
      ownViolations.forEach((violation, n) => {
        const { kind, ago } = kinds[n]!;
        // Found 15 to 120 days after it happened, and never before customs registration.
        const occurredOn = daysBefore(Math.min(ago + details.number.int({ min: 15, max: 120 }), registeredAgo));
        violation.occurredOn = occurredOn;
        violation.declarationNumber = declarationNumberOf(occurredOn, EXPORT_KINDS.has(kind), details.string.numeric(9));
      });
      violations.push(...ownViolations);
    }
  }

  await insertInChunks(credits, (data) => db.customsCredit.createMany({ data }));
  await insertInChunks(history, (data) => db.customsCreditChange.createMany({ data }));
  await insertInChunks(volumes, (data) => db.tradeVolume.createMany({ data }));
  await insertInChunks(violations, (data) => db.declarationViolation.createMany({ data }));
  await insertInChunks(investments, (data) => db.crossBorderInvestment.createMany({ data }));
}

export async function isEmpty(db: PrismaClient): Promise<boolean> {
  return (await db.customsCredit.count()) === 0;
}

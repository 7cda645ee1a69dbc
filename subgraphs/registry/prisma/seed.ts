// Registry seed: base data for every enterprise of the seed universe, and public credit
// records whose amount follows each enterprise's risk profile.
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

const ENTITY_TYPES = {
  '91': 'ENTERPRISE',
  '92': 'INDIVIDUAL_BUSINESS',
  '93': 'FARMERS_COOPERATIVE',
  '52': 'PRIVATE_NON_ENTERPRISE',
} as const;

const LICENSES = [
  ['食品经营许可', '食品经营许可证', '普通'],
  ['排污许可', '排污许可证', '普通'],
  ['道路运输经营许可', '道路运输经营许可证', '普通'],
  ['建筑业企业资质', '建筑业企业资质证书', '认可'],
  ['危险化学品经营许可', '危险化学品经营许可证', '特许'],
  ['安全生产许可', '安全生产许可证', '核准'],
] as const;

const PENALTIES = [
  ['WARNING', '未按规定公示年度报告', '《企业信息公示暂行条例》第十条', 'MINOR'],
  ['FINE', '销售不符合标准的产品', '《中华人民共和国产品质量法》第四十九条', 'GENERAL'],
  ['FINE', '虚假宣传', '《中华人民共和国反不正当竞争法》第二十条', 'GENERAL'],
  ['CONFISCATION', '无照经营危险化学品', '《危险化学品安全管理条例》第七十七条', 'SEVERE'],
  ['SUSPENSION', '发生较大安全生产事故', '《中华人民共和国安全生产法》第一百一十四条', 'SEVERE'],
] as const;

function enterpriseRow(enterprise: SeedEnterprise): Prisma.EnterpriseCreateManyInput {
  const faker = seededFaker('registry', enterprise.index);
  return {
    uscc: enterprise.uscc,
    name: enterprise.name,
    entityType: ENTITY_TYPES[enterprise.authorityAndType],
    legalRepresentative: faker.person.lastName() + faker.person.firstName(),
    registeredCapital: faker.number.int({ min: 10, max: enterprise.index === SHOWCASE.MODEL_GROUP ? 20000 : 5000 }),
    establishedOn: enterprise.establishedOn,
    divisionCode: enterprise.divisionCode,
    industry: enterprise.industry,
    status: enterprise.risk === 'RISKY' && faker.datatype.boolean(0.1) ? 'REVOKED' : 'ACTIVE',
    address: `河南省郑州市${faker.location.street()}${faker.number.int({ min: 1, max: 300 })}号`,
    businessScope: `${enterprise.industry.toLowerCase().replace(/_/g, ' ')}; 依法须经批准的项目，经相关部门批准后方可开展经营活动`,
  };
}

export async function seed(db: PrismaClient, count: number): Promise<void> {
  const universe = seedUniverse(count);
  const licenses: Prisma.AdministrativeLicenseCreateManyInput[] = [];
  const penalties: Prisma.AdministrativePenaltyCreateManyInput[] = [];
  const listEntries: Prisma.DishonestyListEntryCreateManyInput[] = [];
  const commitments: Prisma.CreditCommitmentCreateManyInput[] = [];

  for (const enterprise of universe) {
    const faker = seededFaker('registry-records', enterprise.index);
    const { uscc, risk } = enterprise;

    for (let n = 0; n < faker.number.int({ min: 0, max: 3 }); n++) {
      const [licenseName, certificateName, category] = faker.helpers.arrayElement(LICENSES);
      const decisionDate = daysBefore(faker.number.int({ min: 30, max: 2000 }));
      licenses.push({
        id: recordId('LIC', uscc, n),
        uscc,
        decisionNumber: `郑许字〔${decisionDate.getUTCFullYear()}〕${enterprise.index}-${n}号`,
        licenseName,
        certificateName,
        category,
        licenseNumber: `ZZ${enterprise.index.toString().padStart(6, '0')}${n}`,
        decisionDate,
        validFrom: decisionDate,
        validTo: new Date(decisionDate.getTime() + 5 * 365 * 86_400_000),
        content: `准予${licenseName}`,
        authority: AUTHORITIES.MARKET_REGULATION.name,
        authorityUscc: AUTHORITIES.MARKET_REGULATION.uscc,
        dataSource: AUTHORITIES.MARKET_REGULATION.name,
        dataSourceUscc: AUTHORITIES.MARKET_REGULATION.uscc,
      });
    }

    const penaltyCount =
      risk === 'RISKY' ? faker.number.int({ min: 2, max: 4 })
      : risk === 'WATCH' ? faker.number.int({ min: 1, max: 2 })
      : faker.datatype.boolean(0.08) ? 1 : 0;
    for (let n = 0; n < penaltyCount; n++) {
      const [category, violationType, legalBasis, severity] =
        risk === 'CLEAN' ? PENALTIES[0] : faker.helpers.arrayElement(risk === 'RISKY' ? PENALTIES.slice(1) : PENALTIES.slice(0, 3));
      const decisionDate = daysBefore(faker.number.int({ min: 10, max: 1500 }));
      const fine = category === 'WARNING' ? 0 : faker.number.float({ min: 0.5, max: severity === 'SEVERE' ? 80 : 20, fractionDigits: 2 });
      penalties.push({
        id: recordId('PEN', uscc, n),
        uscc,
        decisionNumber: `郑市监罚〔${decisionDate.getUTCFullYear()}〕${enterprise.index}-${n}号`,
        category,
        decisionDate,
        content: category === 'WARNING' ? '警告' : `罚款${fine}万元`,
        fineAmount: fine,
        confiscatedAmount: category === 'CONFISCATION' ? faker.number.float({ min: 1, max: 30, fractionDigits: 2 }) : 0,
        licenseAffected: category === 'SUSPENSION' ? '安全生产许可证' : null,
        violationType,
        facts: `经查，当事人存在${violationType}的行为。`,
        legalBasis,
        severity,
        authority: AUTHORITIES.MARKET_REGULATION.name,
        authorityUscc: AUTHORITIES.MARKET_REGULATION.uscc,
        dataSource: AUTHORITIES.MARKET_REGULATION.name,
        dataSourceUscc: AUTHORITIES.MARKET_REGULATION.uscc,
      });
    }

    if ((risk === 'RISKY' && faker.datatype.boolean(0.5)) || enterprise.index === SHOWCASE.RISKY_SUPPLIER) {
      const listedOn = daysBefore(faker.number.int({ min: 30, max: 700 }));
      listEntries.push({
        id: recordId('LST', uscc, 0),
        uscc,
        listType: 'SEVERE_DISHONESTY',
        authority: AUTHORITIES.DEVELOPMENT_REFORM.name,
        legalBasis: '《河南省社会信用条例》第三十三条',
        reason: '拒不履行生效法律文书确定的义务，情节严重',
        listedOn,
        expiresOn: new Date(listedOn.getTime() + 3 * 365 * 86_400_000),
        removedOn: null,
        measures: ['限制参与政府采购', '限制获得政府资金支持', '列为重点监管对象，提高检查频次'],
      });
    } else if (risk === 'WATCH' && faker.datatype.boolean(0.1)) {
      const listedOn = daysBefore(faker.number.int({ min: 30, max: 700 }));
      listEntries.push({
        id: recordId('LST', uscc, 0),
        uscc,
        listType: 'ABNORMAL_OPERATION',
        authority: AUTHORITIES.MARKET_REGULATION.name,
        legalBasis: '《企业信息公示暂行条例》第十七条',
        reason: '未按规定期限公示年度报告',
        listedOn,
        expiresOn: new Date(listedOn.getTime() + 3 * 365 * 86_400_000),
        removedOn: faker.datatype.boolean(0.3) ? daysBefore(10) : null,
        measures: ['公示经营异常信息'],
      });
    }

    if (faker.datatype.boolean(0.3) || enterprise.index === SHOWCASE.MODEL_GROUP) {
      const madeOn = daysBefore(faker.number.int({ min: 30, max: 900 }));
      const status = risk === 'RISKY' && faker.datatype.boolean(0.5) ? 'BREACHED' : 'IN_FORCE';
      // A breach is a negative record: dated half-way between the commitment and the seed day.
      const breachedOn = new Date((madeOn.getTime() + SEED_AS_OF.getTime()) / 2);
      breachedOn.setUTCHours(0, 0, 0, 0);
      commitments.push({
        id: recordId('CMT', uscc, 0),
        uscc,
        type: faker.helpers.arrayElement(['审批替代型', '主动型', '行业自律型']),
        content: '本单位承诺所提供材料真实有效，依法诚信经营，自愿接受监督。',
        madeOn,
        termEnd: new Date(madeOn.getTime() + 2 * 365 * 86_400_000),
        status,
        ...(status === 'BREACHED'
          ? { outcomeOn: breachedOn, outcomeNote: '未按承诺履行整改义务', outcomeBy: AUTHORITIES.MARKET_REGULATION.uscc, breachSeverity: 'GENERAL' as const }
          : {}),
      });
    }
  }

  await insertInChunks(universe.map(enterpriseRow), (data) => db.enterprise.createMany({ data }));
  await insertInChunks(licenses, (data) => db.administrativeLicense.createMany({ data }));
  await insertInChunks(penalties, (data) => db.administrativePenalty.createMany({ data }));
  await insertInChunks(listEntries, (data) => db.dishonestyListEntry.createMany({ data }));
  await insertInChunks(commitments, (data) => db.creditCommitment.createMany({ data }));
}

export async function isEmpty(db: PrismaClient): Promise<boolean> {
  return (await db.enterprise.count()) === 0;
}

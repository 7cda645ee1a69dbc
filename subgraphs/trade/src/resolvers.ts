import {
  assertNotFuture,
  assertNotNegative,
  assertOrder,
  assertText,
  decodeCursor,
  idempotentWrite,
  inputError,
  newRecordId,
  pageSize,
  publish,
  recordStatesOf,
  countedSignals,
  evaluationInput,
  toConnection,
  visibleRecords,
  withRecordStates,
  type EnterpriseRepresentation,
  type NegativeRecordKind,
  type RecordStates,
  type SubgraphContext,
} from '@credit-graph/subgraph-kit';
import type {
  CrossBorderInvestment,
  CustomsCredit,
  CustomsCreditCategory,
  DeclarationViolation,
  InvestmentDirection,
  NegativeListCheckResult,
  Prisma,
  PrismaClient,
} from './generated/prisma/client.ts';
import type { Loaders } from './loaders.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;

/** The profile is the enterprise's customs credit row, carrying its record states down to its negative records. */
type Profile = CustomsCredit & { states: RecordStates };

const VIOLATION: NegativeRecordKind = { source: 'trade', kind: 'DeclarationViolation' };

const DAY_MS = 86_400_000;
/** 海关注册编码: 10 characters (region, zone, enterprise type, serial). */
const CUSTOMS_CODE = /^[0-9A-Z]{10}$/;
/** 报关单编号: 18 digits (declaring office, year, import/export flag, serial). */
const DECLARATION_NUMBER = /^\d{18}$/;
const COUNTRY_CODE = /^[A-Z]{2}$/;
/** GB/T 4754-2017 sections A to T: the industry of an investment. */
const INDUSTRY_SECTIONS = new Set([
  '农、林、牧、渔业', '采矿业', '制造业', '电力、热力、燃气及水生产和供应业', '建筑业', '批发和零售业',
  '交通运输、仓储和邮政业', '住宿和餐饮业', '信息传输、软件和信息技术服务业', '金融业', '房地产业',
  '租赁和商务服务业', '科学研究和技术服务业', '水利、环境和公共设施管理业', '居民服务、修理和其他服务业',
  '教育', '卫生和社会工作', '文化、体育和娱乐业', '公共管理、社会保障和社会组织', '国际组织',
]);

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function assertCustomsCode(customsCode: string | null | undefined): string | null {
  if (customsCode == null) return null;
  if (!CUSTOMS_CODE.test(customsCode)) {
    throw inputError('input.customsCode', `must be the 10-character customs registration code (digits and capital letters), got "${customsCode}"`);
  }
  return customsCode;
}

/** The AEO certificate number goes with the advanced certified category only. */
function aeoCertificateNumber(category: CustomsCreditCategory, customsCode: string): string | null {
  return category === 'ADVANCED_CERTIFIED' ? `AEOCN${customsCode}` : null;
}

interface NewSubject {
  customsCode: string | null;
  /** The first period's category and start, and its grounds. */
  category: CustomsCreditCategory;
  since: Date;
  reason: string;
}

/** The enterprise's customs credit row, locked until the transaction ends (writes of one enterprise queue); null when none. */
async function lockedCredit(tx: Prisma.TransactionClient, uscc: string): Promise<CustomsCredit | null> {
  const locked = await tx.$queryRawUnsafe<{ uscc: string }[]>('SELECT "uscc" FROM "CustomsCredit" WHERE "uscc" = $1 FOR UPDATE', uscc);
  return locked.length === 0 ? null : tx.customsCredit.findUniqueOrThrow({ where: { uscc } });
}

function sameCustomsCode(credit: CustomsCredit, customsCode: string | null): CustomsCredit {
  if (customsCode !== null && customsCode !== credit.customsCode) {
    throw inputError('input.customsCode', `customs holds enterprise ${credit.uscc} under code ${credit.customsCode}, not ${customsCode}`);
  }
  return credit;
}

/**
 * The subject row every record hangs on: the enterprise's customs credit record, locked for the
 * transaction, or created with its first history period (`firstPeriodId`) when customs holds no
 * record of the enterprise yet; then the write must name the customs code.
 */
async function customsSubject(
  tx: Prisma.TransactionClient,
  uscc: string,
  subject: NewSubject,
): Promise<{ credit: CustomsCredit; firstPeriodId: string | null }> {
  const existing = await lockedCredit(tx, uscc);
  if (existing) return { credit: sameCustomsCode(existing, subject.customsCode), firstPeriodId: null };
  if (subject.customsCode === null) {
    throw inputError('input.customsCode', `customs holds no record of enterprise ${uscc} yet: give its 10-character customs registration code`);
  }
  const credit: CustomsCredit = {
    uscc,
    customsCode: subject.customsCode,
    category: subject.category,
    since: subject.since,
    aeoCertificateNumber: aeoCertificateNumber(subject.category, subject.customsCode),
  };
  // ON CONFLICT DO NOTHING: a concurrent first write for the same enterprise wins, this one waits and uses its row.
  const { count } = await tx.customsCredit.createMany({ data: [credit], skipDuplicates: true });
  if (count === 0) return { credit: sameCustomsCode((await lockedCredit(tx, uscc))!, subject.customsCode), firstPeriodId: null };
  const firstPeriodId = newRecordId('cch');
  await tx.customsCreditChange.create({
    data: { id: firstPeriodId, uscc, category: subject.category, from: subject.since, to: null, reason: subject.reason },
  });
  return { credit, firstPeriodId };
}

/** The first period of an enterprise customs first learns of through one of its records. */
const FIRST_RECORD_REASON = '首次记录海关信用信息，按一般信用企业管理';

interface CategoryChangeInput {
  uscc: string;
  customsCode?: string | null;
  category: CustomsCreditCategory;
  effectiveOn: Date;
  reason: string;
}
interface ViolationInput {
  uscc: string;
  customsCode?: string | null;
  decisionNumber: string;
  declarationNumber: string;
  kind: DeclarationViolation['kind'];
  occurredOn: Date;
  decidedOn: Date;
  description: string;
  penaltyAmount: number;
  severity: DeclarationViolation['severity'];
}
interface InvestmentInput {
  uscc: string;
  customsCode?: string | null;
  direction: InvestmentDirection;
  country: string;
  countryName: string;
  amount: number;
  sector: string;
  filedOn: Date;
  negativeListCheck: NegativeListCheckResult;
  approvalNumber?: string | null;
}
type WriteArgs<Input> = { input: Input; idempotencyKey: string };

/** Outbound filings and approved restricted investments carry a number; rejected ones none. */
function checkApprovalNumber(input: InvestmentInput): string | null {
  const given = input.approvalNumber == null ? null : assertText('input.approvalNumber', input.approvalNumber, 100);
  if (input.negativeListCheck === 'PROHIBITED_REJECTED') {
    if (given !== null) throw inputError('input.approvalNumber', 'a rejected filing has no filing certificate or approval number: leave it out');
    return null;
  }
  if (given === null && (input.direction === 'OUTBOUND' || input.negativeListCheck === 'RESTRICTED_APPROVED')) {
    throw inputError(
      'input.approvalNumber',
      input.direction === 'OUTBOUND'
        ? 'an outbound filing that went ahead has an overseas investment certificate number (境外投资证书)'
        : 'an approved restricted investment has an approval number (核准文号)',
    );
  }
  return given;
}

/** What trade hands the evaluation: the current customs category and the declaration violations in their window. */
async function tradeEvaluationInput(uscc: string, loaders: Loaders) {
  const [credit, violations] = await Promise.all([loaders.customsCredit.load(uscc), loaders.violations.load(uscc)]);
  return evaluationInput(credit?.category ?? null, violations, VIOLATION);
}

export const resolvers = {
  Query: {
    customsCreditList: async (
      _: unknown,
      args: { category: CustomsCreditCategory; first?: number | null; after?: string | null },
      { db }: Context,
    ) => {
      const size = pageSize(args.first);
      const after = args.after ? decodeCursor(args.after) : undefined;
      const where: Prisma.CustomsCreditWhereInput = { category: args.category };
      const [rows, totalCount] = await Promise.all([
        db.customsCredit.findMany({
          where: after ? { ...where, uscc: { gt: after } } : where,
          orderBy: { uscc: 'asc' },
          take: size + 1,
        }),
        db.customsCredit.count({ where }),
      ]);
      return toConnection(rows, size, (row) => row.uscc, totalCount);
    },
  },

  Mutation: {
    recordCustomsCategoryChange: async (_: unknown, { input, idempotencyKey }: WriteArgs<CategoryChangeInput>, context: Context) => {
      const customsCode = assertCustomsCode(input.customsCode);
      assertNotFuture('input.effectiveOn', input.effectiveOn);
      const reason = assertText('input.reason', input.reason, 500);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordCustomsCategoryChange', input }, async (tx) => {
        const { credit, firstPeriodId } = await customsSubject(tx, input.uscc, { customsCode, category: input.category, since: input.effectiveOn, reason });
        let changeId: string;
        let previous: CustomsCreditCategory | null = null;
        if (firstPeriodId) {
          // Customs' first record of the enterprise: it starts in the given category.
          changeId = firstPeriodId;
        } else {
          if (credit.category === input.category) {
            throw inputError('input.category', `enterprise ${input.uscc} is already in category ${input.category} (since ${isoDate(credit.since)})`);
          }
          // The current period ends the day before: it must have lasted at least one day.
          if (input.effectiveOn <= credit.since) {
            throw inputError('input.effectiveOn', `must be after ${isoDate(credit.since)}, the day the current category ${credit.category} took effect`);
          }
          previous = credit.category;
          await tx.customsCreditChange.updateMany({ where: { uscc: input.uscc, to: null }, data: { to: new Date(input.effectiveOn.getTime() - DAY_MS) } });
          changeId = newRecordId('cch');
          await tx.customsCreditChange.create({
            data: { id: changeId, uscc: input.uscc, category: input.category, from: input.effectiveOn, to: null, reason },
          });
          await tx.customsCredit.update({
            where: { uscc: input.uscc },
            data: { category: input.category, since: input.effectiveOn, aeoCertificateNumber: aeoCertificateNumber(input.category, credit.customsCode) },
          });
        }
        return {
          id: changeId,
          changes: [{
            uscc: input.uscc,
            kind: 'SECTOR_RECORD',
            source: 'trade',
            summary: `Customs credit category ${previous ? `${previous} -> ` : ''}${input.category} from ${isoDate(input.effectiveOn)}`,
            recordId: changeId,
          }],
        };
      });
      const change = await context.db.customsCreditChange.findUniqueOrThrow({ where: { id } });
      return context.db.customsCredit.findUniqueOrThrow({ where: { uscc: change.uscc } });
    },

    recordDeclarationViolation: async (_: unknown, { input, idempotencyKey }: WriteArgs<ViolationInput>, context: Context) => {
      const customsCode = assertCustomsCode(input.customsCode);
      const decisionNumber = assertText('input.decisionNumber', input.decisionNumber, 100);
      const declarationNumber = input.declarationNumber.trim();
      if (!DECLARATION_NUMBER.test(declarationNumber)) {
        throw inputError('input.declarationNumber', `must be the 18-digit customs declaration number, got "${input.declarationNumber}"`);
      }
      assertNotFuture('input.occurredOn', input.occurredOn);
      assertNotFuture('input.decidedOn', input.decidedOn);
      assertOrder('input.decidedOn', input.decidedOn, 'input.occurredOn', input.occurredOn);
      assertNotNegative('input.penaltyAmount', input.penaltyAmount);
      const description = assertText('input.description', input.description);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordDeclarationViolation', input }, async (tx) => {
        if (await tx.declarationViolation.findUnique({ where: { decisionNumber } })) {
          throw inputError('input.decisionNumber', `a violation with decision number ${decisionNumber} is already recorded`);
        }
        await customsSubject(tx, input.uscc, { customsCode, category: 'ROUTINE', since: input.occurredOn, reason: FIRST_RECORD_REASON });
        const violation = await tx.declarationViolation.create({
          data: {
            id: newRecordId('dv'),
            uscc: input.uscc,
            decisionNumber,
            declarationNumber,
            kind: input.kind,
            occurredOn: input.occurredOn,
            decidedOn: input.decidedOn,
            description,
            penaltyAmount: input.penaltyAmount,
            severity: input.severity,
          },
        });
        return {
          id: violation.id,
          changes: [{ uscc: input.uscc, kind: 'NEGATIVE_RECORD', source: 'trade', summary: `Declaration violation (${input.severity}): ${input.kind}, decision ${decisionNumber}`, recordId: violation.id }],
        };
      });
      return publish(VIOLATION, await context.db.declarationViolation.findUniqueOrThrow({ where: { id } }), new Map(), context.references);
    },

    recordInvestmentFiling: async (_: unknown, { input, idempotencyKey }: WriteArgs<InvestmentInput>, context: Context) => {
      const customsCode = assertCustomsCode(input.customsCode);
      if (!COUNTRY_CODE.test(input.country)) {
        throw inputError('input.country', `must be an ISO 3166-1 alpha-2 code in capitals (e.g. SG), got "${input.country}"`);
      }
      const countryName = assertText('input.countryName', input.countryName, 100);
      assertNotNegative('input.amount', input.amount);
      const sector = assertText('input.sector', input.sector, 100);
      if (!INDUSTRY_SECTIONS.has(sector)) {
        throw inputError('input.sector', `must be a GB/T 4754 section name (e.g. 制造业), got "${sector}"`, { allowed: [...INDUSTRY_SECTIONS] });
      }
      assertNotFuture('input.filedOn', input.filedOn);
      const approvalNumber = checkApprovalNumber(input);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordInvestmentFiling', input }, async (tx) => {
        await customsSubject(tx, input.uscc, { customsCode, category: 'ROUTINE', since: input.filedOn, reason: FIRST_RECORD_REASON });
        const investment = await tx.crossBorderInvestment.create({
          data: {
            id: newRecordId('cbi'),
            uscc: input.uscc,
            direction: input.direction,
            country: input.country,
            countryName,
            amount: input.amount,
            sector,
            filedOn: input.filedOn,
            negativeListCheck: input.negativeListCheck,
            approvalNumber,
          },
        });
        return {
          id: investment.id,
          changes: [{
            uscc: input.uscc,
            kind: 'SECTOR_RECORD',
            source: 'trade',
            summary: `${input.direction === 'OUTBOUND' ? 'Outbound' : 'Inbound'} investment filing (${input.country}), ${input.negativeListCheck}, filed ${isoDate(input.filedOn)}`,
            recordId: investment.id,
          }],
        };
      });
      return context.db.crossBorderInvestment.findUniqueOrThrow({ where: { id } });
    },
  },

  Enterprise: {
    // The registry owns the entity; the key (and the record states it requires) is all this subgraph needs.
    __resolveReference: (reference: EnterpriseRepresentation) => reference,
    // A customs credit record is what customs holds for every enterprise it knows: none, no profile.
    trade: async (enterprise: EnterpriseRepresentation, _: unknown, { loaders, references }: Context): Promise<Profile | null> => {
      const credit = await loaders.customsCredit.load(enterprise.uscc);
      return withRecordStates(credit, enterprise, references);
    },
    tradeSignals: async (enterprise: EnterpriseRepresentation, _: unknown, { loaders, references }: Context) =>
      countedSignals(await tradeEvaluationInput(enterprise.uscc, loaders), recordStatesOf(enterprise, references)),
    tradeEvaluationInput: (enterprise: EnterpriseRepresentation, _: unknown, { loaders }: Context) =>
      tradeEvaluationInput(enterprise.uscc, loaders),
  },

  // The profile's parent is the enterprise's CustomsCredit row; each list is batched by code.
  TradeProfile: {
    customsCredit: (profile: Profile) => profile,
    volumes: (profile: Profile, _: unknown, { loaders }: Context) => loaders.volumes.load(profile.uscc),
    declarationViolations: async (profile: Profile, _: unknown, { loaders, caller, references }: Context) =>
      visibleRecords(VIOLATION, await loaders.violations.load(profile.uscc), profile.states, caller, references),
    investments: (profile: Profile, _: unknown, { loaders }: Context) => loaders.investments.load(profile.uscc),
  },

  CustomsCredit: {
    history: (credit: CustomsCredit, _: unknown, { loaders }: Context) => loaders.creditHistory.load(credit.uscc),
  },

  CustomsCreditListing: {
    enterprise: (credit: CustomsCredit) => ({ uscc: credit.uscc }),
  },

  TradeVolume: {
    importUsd: (volume: { importUsd: Prisma.Decimal }) => volume.importUsd.toNumber(),
    exportUsd: (volume: { exportUsd: Prisma.Decimal }) => volume.exportUsd.toNumber(),
  },

  DeclarationViolation: {
    penaltyAmount: (violation: DeclarationViolation) => violation.penaltyAmount.toNumber(),
  },

  CrossBorderInvestment: {
    amount: (investment: CrossBorderInvestment) => investment.amount.toNumber(),
  },
};

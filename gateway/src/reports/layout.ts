// The one layout of a public credit report, shared by the HTML page and the PDF so that both
// say the same: a title, the issue block (number, time of issue in Asia/Shanghai, verification
// code and URL), then the sections in the order of the national report standard (2022), each a
// heading and rows of label/value lines. Renderers only draw what this returns.
import { clock, type Caller } from '@credit-graph/contract';
import type { ReportContent, ReportSection } from './content.ts';

export interface ReportMeta {
  number: string;
  verificationCode: string;
  issuedAt: Date;
  contentDigest: string;
  verificationUrl: string;
  issuedTo: Caller;
  /** The QR code (PNG) of the verification URL with number and code. */
  qrPng: Buffer;
}

export interface LayoutSection {
  heading: string;
  /** Each entry: one item (a licence, a penalty, ...) as label/value lines. */
  entries: [label: string, value: string][][];
  /** Shown when the section has no entries. */
  empty: string;
}

export const REPORT_TITLE = '公共信用信息报告';
export const REPORT_SUBTITLE = 'Public Credit Information Report · 信用郑州 Credit Zhengzhou';

/**
 * The time of issue as the city reads it, in the business time zone of the one clock
 * (BUSINESS_TIME_ZONE, default Asia/Shanghai): 2026-11-30T22:46Z is "2026-12-01 06:46:00
 * (GMT+8 Asia/Shanghai)".
 */
export function issuedAtText(at: Date, timeZone: string = clock().timeZone): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'shortOffset',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} (${part('timeZoneName')} ${timeZone})`;
}

function issuedTo(caller: Caller): string {
  return caller.institution ? `${caller.role} ${caller.institution}` : caller.uscc ? `${caller.role} ${caller.uscc}` : caller.role;
}

/** The issue block, as label/value lines. */
export function issueLines(meta: ReportMeta): [string, string][] {
  return [
    ['报告编号 Report number', meta.number],
    ['出具时间 Issued at', issuedAtText(meta.issuedAt)],
    ['查询方 Issued to', issuedTo(meta.issuedTo)],
    ['验证码 Verification code', meta.verificationCode],
    ['核验地址 Verify at', meta.verificationUrl],
    ['内容摘要 Content digest (SHA-256)', meta.contentDigest],
  ];
}

const text = (value: unknown) => (value === null || value === undefined || value === '' ? '—' : String(value));

function rows<Item extends Record<string, unknown>>(list: ReportSection<Item>, lines: (item: Item) => [string, string][]): [string, string][][] {
  const entries = list.items.map(lines);
  if (list.more > 0) entries.push([['…', `另有 ${list.more} 条未列出 (${list.more} more not listed)`]]);
  return entries;
}

/** The sections of `content`, in the standard's order. */
export function reportSections(content: ReportContent): LayoutSection[] {
  const r = content.registration;
  const sections: LayoutSection[] = [
    {
      heading: '一、登记注册信息 Registration',
      empty: '',
      entries: [[
        ['企业名称 Name', r.name],
        ['统一社会信用代码 USCC', r.uscc],
        ['主体类型 Entity type', r.entityType],
        ['法定代表人 Legal representative', r.legalRepresentative],
        ['注册资本 Registered capital (万元)', text(r.registeredCapital)],
        ['成立日期 Established', r.establishedOn],
        ['所属区域 District', r.district],
        ['行业 Industry', r.industry],
        ['登记状态 Status', r.status],
        ['住所 Address', r.address],
      ]],
    },
    {
      heading: '二、行政许可信息 Administrative licences (双公示)',
      empty: '无 None',
      entries: rows(content.licenses, (l) => [
        ['许可决定书文号 Decision number', text(l.decisionNumber)],
        ['许可名称 Licence', text(l.licenseName)],
        ['许可编号 Licence number', text(l.licenseNumber)],
        ['决定日期 Decided', text(l.decisionDate)],
        ['有效期 Valid', `${text(l.validFrom)} – ${text(l.validTo)}`],
        ['许可机关 Authority', text(l.authority)],
      ]),
    },
    {
      heading: '三、行政处罚信息 Administrative penalties (双公示)',
      empty: '无 None',
      entries: rows(content.penalties, (p) => [
        ['处罚决定书文号 Decision number', text(p.decisionNumber)],
        ['处罚类别 Category', text(p.category)],
        ['决定日期 Decided', text(p.decisionDate)],
        ['违法行为类型 Violation', text(p.violationType)],
        ['处罚内容 Content', text(p.content)],
        ['罚款金额 Fine (万元)', text(p.fineAmount)],
        ['处罚依据 Legal basis', text(p.legalBasis)],
        ['处罚机关 Authority', text(p.authority)],
        ['公示状态 Publication', text((p.publication as { status?: string } | undefined)?.status)],
      ]),
    },
    {
      heading: '四、严重失信主体名单与经营异常名录 Credit lists',
      empty: '无 None',
      entries: rows(content.lists, (e) => [
        ['名单 List', text(e.listType)],
        ['列入机关 Authority', text(e.authority)],
        ['列入依据 Legal basis', text(e.legalBasis)],
        ['列入事由 Reason', text(e.reason)],
        ['列入日期 Listed', `${text(e.listedOn)}（至 until ${text(e.expiresOn)}）`],
        ['现行有效 In force', e.active ? '是 yes' : '否 no'],
        ['惩戒措施 Measures', (e.measures as string[] | undefined)?.join('；') || '—'],
      ]),
    },
    {
      heading: '五、信用承诺信息 Credit commitments',
      empty: '无 None',
      entries: rows(content.commitments, (c) => [
        ['承诺类型 Type', text(c.type)],
        ['承诺内容 Content', text(c.content)],
        ['作出日期 Made', text(c.madeOn)],
        ['履行状态 Status', text(c.status)],
      ]),
    },
    {
      heading: '六、公共信用综合评价 Comprehensive evaluation',
      empty: '',
      entries: [
        [
          ['评价等级 Grade', content.evaluation.grade],
          ['评价得分 Score', text(content.evaluation.score)],
          ['基础分 Base score', text(content.evaluation.baseScore)],
          ['评价日期 Evaluated on', content.evaluation.evaluatedOn],
        ],
        ...content.evaluation.factors.map((f): [string, string][] => [
          ['因素 Factor', `${text(f.factor)} [${text(f.sector)}]`],
          ['取值 Value', text(f.value)],
          ['影响 Effect', text(f.effect)],
        ]),
      ],
    },
  ];
  const finance = content.finance;
  sections.push({
    heading: '七、非公开信息（经授权）Non-public: finance',
    empty: '',
    entries: finance.included
      ? [
          [['纳税信用等级 Tax credit level', text(finance.currentTaxCreditLevel)]],
          ...rows(finance.arrears, (a) => [
            ['欠费类型 Arrears', text(a.kind)],
            ['金额 Amount (万元)', text(a.amount)],
            ['报告日期 Reported', text(a.reportedOn)],
            ['结清日期 Settled', text(a.settledOn)],
          ]),
        ]
      : [[['未包含 Not included', finance.reason]]],
  });
  return sections;
}

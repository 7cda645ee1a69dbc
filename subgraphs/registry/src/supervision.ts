// Supervision classes (分级分类监管): regulators sort enterprises into classes from the public
// credit comprehensive evaluation and inspect each class at its own random-sampling rate
// (双随机、一公开). Basis: 河南省社会信用条例 第二十六条 (graded and classified credit supervision),
// 第三十二条第（五）项 (key supervision, more frequent inspection) and 国办发〔2019〕35号 — lower rates
// for good credit, higher rates and key supervision for poor credit; the four class names follow
// 国市监信发〔2022〕6号 and 豫市监办〔2022〕100号. The classes and rates are the one reviewed data file
// `supervision-classes.json` beside this module (the rates are the city's own: no national or
// Zhengzhou table was found; its `reviewNote` says so), checked when this module loads, i.e. at
// start-up. Sources: docs/legal-basis.md.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { GRADE_FLOORS } from './evaluation.ts';

/** The evaluation grades, best first (GRADE_FLOORS, then D). */
export const GRADES = [...GRADE_FLOORS.map(([grade]) => grade), 'D'] as const;
export type Grade = (typeof GRADES)[number];

const ClassRow = z.object({
  class: z.enum(['A', 'B', 'C', 'D']),
  grade: z.enum(GRADES),
  name: z.string().min(1).max(100),
  /** Share of the class drawn in each random inspection round, 0 < rate <= 1. */
  rate: z.number().gt(0).lte(1),
  keySupervision: z.boolean(),
});

const ClassTable = z
  .object({
    $comment: z.string().optional(),
    basis: z.string().min(10).max(1000),
    /** What the reviewers could not confirm from a source; shown after the basis. */
    reviewNote: z.string().min(10).max(1000).optional(),
    classes: z.array(ClassRow).length(GRADES.length),
    /** The class of an enterprise currently on the severe-dishonesty list, whatever its grade, and why. */
    severeDishonestyList: z.object({ class: z.enum(['A', 'B', 'C', 'D']), basis: z.string().min(10).max(500) }).strict().optional(),
  })
  .superRefine((table, ctx) => {
    for (const grade of GRADES) {
      if (table.classes.filter((row) => row.grade === grade).length !== 1) {
        ctx.addIssue({ code: 'custom', message: `grade ${grade} must map to exactly one class` });
      }
    }
    if (new Set(table.classes.map((row) => row.class)).size !== table.classes.length) {
      ctx.addIssue({ code: 'custom', message: 'each class is listed once' });
    }
    // Proportionality: a worse grade is never inspected less often (河南省社会信用条例 第三十一条, 第三十二条第（五）项).
    const byGrade = GRADES.map((grade) => table.classes.find((row) => row.grade === grade)?.rate ?? 0);
    if (byGrade.some((rate, i) => i > 0 && rate < byGrade[i - 1]!)) {
      ctx.addIssue({ code: 'custom', message: 'sampling rates must not fall as the grade worsens (A to D)' });
    }
  });

export type SupervisionTable = z.infer<typeof ClassTable>;
export type SupervisionClass = z.infer<typeof ClassRow>;

/** A supervision table that fails its checks: thrown at start-up, naming every problem. */
export class SupervisionTableError extends Error {
  readonly code = 'INVALID_CONFIG';
}

/** Parses and checks a supervision table (the JSON file's content); throws SupervisionTableError. */
export function parseSupervisionTable(value: unknown): SupervisionTable {
  const result = ClassTable.safeParse(value);
  if (!result.success) {
    throw new SupervisionTableError(
      `supervision-classes.json: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(table)'}: ${issue.message}`).join('; ')}`,
    );
  }
  return result.data;
}

/** The reviewed table, checked once at load. */
export const SUPERVISION_TABLE = parseSupervisionTable(
  JSON.parse(readFileSync(new URL('./supervision-classes.json', import.meta.url), 'utf8')),
);

/**
 * The supervision class of an enterprise with evaluation grade `grade` (A-D, from `evaluate`):
 * its class letter, name, sampling rate (0-1) and whether it is under key supervision, with the
 * table's legal basis followed by what is unconfirmed in it (`未核实：` and the table's
 * reviewNote, when it has one). An enterprise with `severeDishonestyListEntries` > 0 (active
 * entries) takes the table's `severeDishonestyList` class whatever its grade (豫市监办〔2022〕100号:
 * listed enterprises go straight to class D), and `overriddenBy` says so; otherwise it is null.
 * Pure: the same grade and listing always give the same class.
 */
export function supervisionFor(grade: Grade, listing: { severeDishonestyListEntries: number } = { severeDishonestyListEntries: 0 }, table: SupervisionTable = SUPERVISION_TABLE) {
  const override = listing.severeDishonestyListEntries > 0 ? table.severeDishonestyList : undefined;
  const row = table.classes.find((entry) => (override ? entry.class === override.class : entry.grade === grade))!;
  const basis = table.reviewNote ? `${table.basis} 未核实：${table.reviewNote}` : table.basis;
  return { class: row.class, name: row.name, rate: row.rate, keySupervision: row.keySupervision, basis, overriddenBy: override?.basis ?? null };
}

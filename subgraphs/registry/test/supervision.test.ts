// Supervision classes (分级分类监管, issue 12 §5): the reviewed table is checked at start-up, and
// an enterprise's class follows its evaluation grade at the grade floors exactly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, gradeFor } from '../src/evaluation.ts';
import { parseSupervisionTable, SUPERVISION_TABLE, supervisionFor, SupervisionTableError } from '../src/supervision.ts';

const FILE = JSON.parse(readFileSync(new URL('../src/supervision-classes.json', import.meta.url), 'utf8'));
const clean = { grade: null, minorRecords: 0, generalRecords: 0, severeRecords: 0 };
const sectors = { finance: clean, 'supply-chain': clean, environment: clean, housekeeping: clean, trade: clean };

/** The evaluation of an enterprise with `severe` severe and `minor` minor registry records only. */
function evaluated(severe: number, minor: number) {
  return evaluate(sectors, {
    records: { grade: null, minorRecords: minor, generalRecords: 0, severeRecords: severe },
    severeDishonestyListEntries: 0,
    abnormalOperationEntries: 0,
    upheldObjections: 0,
  });
}

describe('the supervision table', () => {
  it('is the reviewed file, names its legal basis, and rates rise as credit falls', () => {
    expect(SUPERVISION_TABLE.basis).toContain('国办发〔2019〕35号');
    expect(SUPERVISION_TABLE.basis).toContain('河南省社会信用条例 第二十六条');
    const rates = ['A', 'B', 'C', 'D'].map((grade) => supervisionFor(grade as 'A').rate);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    expect(supervisionFor('D').keySupervision).toBe(true);
    expect(supervisionFor('A').keySupervision).toBe(false);
  });

  it('shows what is unconfirmed after the basis, and the basis alone when nothing is', () => {
    const shown = supervisionFor('C').basis;
    expect(shown.startsWith(SUPERVISION_TABLE.basis)).toBe(true);
    expect(shown).toBe(`${SUPERVISION_TABLE.basis} 未核实：${SUPERVISION_TABLE.reviewNote}`);
    expect(SUPERVISION_TABLE.reviewNote).toContain('抽查比例');
    const { reviewNote: _, ...confirmed } = FILE;
    expect(supervisionFor('C', undefined, parseSupervisionTable(confirmed)).basis).toBe(FILE.basis);
    expect(() => parseSupervisionTable({ ...FILE, reviewNote: '' })).toThrow(/reviewNote/);
  });

  it.each([
    ['a grade without a class', { ...FILE, classes: FILE.classes.slice(1) }, /length|grade A/],
    ['two classes for one grade', { ...FILE, classes: FILE.classes.map((row: any, i: number) => (i === 1 ? { ...row, grade: 'A' } : row)) }, /grade/],
    ['a worse grade inspected less', { ...FILE, classes: FILE.classes.map((row: any) => (row.grade === 'D' ? { ...row, rate: 0.01 } : row)) }, /must not fall/],
    ['a rate above 1', { ...FILE, classes: FILE.classes.map((row: any) => (row.grade === 'D' ? { ...row, rate: 1.5 } : row)) }, /rate/],
    ['a rate of 0', { ...FILE, classes: FILE.classes.map((row: any) => (row.grade === 'A' ? { ...row, rate: 0 } : row)) }, /rate/],
    ['no basis', { ...FILE, basis: '' }, /basis/],
  ])('refuses a table with %s, naming the problem', (_case, table, message) => {
    expect(() => parseSupervisionTable(table)).toThrow(SupervisionTableError);
    expect(() => parseSupervisionTable(table)).toThrow(message);
  });
});

describe('an enterprise on the severe-dishonesty list', () => {
  it('is class D whatever its grade, and says why (豫市监办〔2022〕100号)', () => {
    for (const grade of ['A', 'B', 'C', 'D'] as const) {
      const listed = supervisionFor(grade, { severeDishonestyListEntries: 1 });
      expect(listed).toMatchObject({ class: 'D', keySupervision: true, rate: FILE.classes.find((row: any) => row.class === 'D').rate });
      expect(listed.overriddenBy).toContain('豫市监办〔2022〕100号');
      expect(supervisionFor(grade, { severeDishonestyListEntries: 0 })).toMatchObject({ class: grade, overriddenBy: null });
    }
  });

  it('keeps the grade\'s class under a table without the rule, and refuses a rule naming no class', () => {
    const { severeDishonestyList: _, ...withoutRule } = FILE;
    expect(supervisionFor('A', { severeDishonestyListEntries: 2 }, parseSupervisionTable(withoutRule))).toMatchObject({ class: 'A', overriddenBy: null });
    expect(() => parseSupervisionTable({ ...FILE, severeDishonestyList: { class: 'E', basis: FILE.severeDishonestyList.basis } })).toThrow(SupervisionTableError);
  });
});

describe('the class follows the evaluation at the grade floors', () => {
  // Base 90; a minor record costs 3 points, a severe one 20.
  it.each([
    [0, 0, 90, 'A'],
    [0, 1, 87, 'B'],
    [0, 5, 75, 'B'],
    [0, 6, 72, 'C'],
    [0, 10, 60, 'C'],
    [0, 11, 57, 'D'],
    [5, 0, 0, 'D'],
  ])('%i severe and %i minor records: score %i, class %s', (severe, minor, score, expected) => {
    const evaluation = evaluated(severe, minor);
    expect(evaluation.score).toBe(score);
    const supervision = supervisionFor(evaluation.grade);
    expect(supervision.class).toBe(expected);
    expect(supervision.rate).toBe(FILE.classes.find((row: any) => row.class === expected).rate);
  });

  it('puts every score from 0 to 100 in the class of its grade (boundaries 90, 75, 60 inclusive)', () => {
    for (let score = 0; score <= 100; score += 0.5) {
      const expected = score >= 90 ? 'A' : score >= 75 ? 'B' : score >= 60 ? 'C' : 'D';
      expect(supervisionFor(gradeFor(score)).class).toBe(expected);
    }
  });
});

// The gateway's half of the read reports (issue 9 §1): what a subgraph answer may put on the
// audit record. Subgraph answers are trusted (they come over the signed call), but a key that
// is not a subject, or an unbounded list, never reaches the log.
import { describe, expect, it } from 'vitest';
import { MAX_REPORTED_SUBJECTS, READ_REPORT_EXTENSION, makeUscc } from '@credit-graph/contract';
import { collectReads, createRequestReads } from '../src/audit/policy.ts';

const A = makeUscc('91', '410105', '70700011');
const B = makeUscc('91', '410105', '70700022');
const WORKER = 'wk_0123456789abcdef';

describe('collectReads', () => {
  it('adds the read and denied keys of each answer to the request', () => {
    const reads = createRequestReads();
    collectReads(reads, { [READ_REPORT_EXTENSION]: { read: [A, WORKER], denied: [B] } }, 'finance');
    collectReads(reads, { [READ_REPORT_EXTENSION]: { read: [A], denied: [] } }, 'trade');
    expect([...reads.read]).toEqual([A, WORKER]);
    expect([...reads.denied]).toEqual([B]);
  });

  it('drops what is not a USCC or worker id, and answers without a report', () => {
    const reads = createRequestReads();
    collectReads(reads, { [READ_REPORT_EXTENSION]: { read: ['91410105MA00000000', 42, { uscc: A }, 'wk_x'], denied: 'nope' } }, 'finance');
    collectReads(reads, undefined, 'finance');
    collectReads(reads, { [READ_REPORT_EXTENSION]: 'nothing' }, 'finance');
    expect(reads.read.size + reads.denied.size).toBe(0);
  });

  it('cuts an over-long list and says so', () => {
    const reads = createRequestReads();
    const warnings: string[] = [];
    const many = Array.from({ length: MAX_REPORTED_SUBJECTS + 10 }, () => A);
    collectReads(reads, { [READ_REPORT_EXTENSION]: { read: many, denied: [] } }, 'finance', { warn: (message: string) => warnings.push(message) });
    expect([...reads.read]).toEqual([A]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('finance');
  });
});

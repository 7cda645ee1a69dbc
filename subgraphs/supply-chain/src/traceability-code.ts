// Traceability codes (追溯码): "ZZ-TRC-" followed by 12 capital letters or digits.
import { creditGraphError } from '@credit-graph/contract';

export const TRACEABILITY_CODE_PREFIX = 'ZZ-TRC-';
export const TRACEABILITY_CODE_PATTERN = /^ZZ-TRC-[0-9A-Z]{12}$/;

/**
 * The code of a producer's n-th batch (n from 0, n = 0 its latest). Positions 9-17 of a USCC
 * (organization code and its check digit) differ between any two enterprises of the seed
 * universe, so codes never collide; the last 3 digits number the batch.
 */
export function traceabilityCodeFor(uscc: string, n: number): string {
  return `${TRACEABILITY_CODE_PREFIX}${uscc.slice(8, 17)}${String(n + 1).padStart(3, '0')}`;
}

/** Throws BAD_USER_INPUT, naming the expected format, for a code that cannot exist. */
export function assertTraceabilityCode(code: string): string {
  if (!TRACEABILITY_CODE_PATTERN.test(code)) {
    throw creditGraphError(
      'BAD_USER_INPUT',
      `A traceability code is "${TRACEABILITY_CODE_PREFIX}" followed by 12 capital letters or digits ` +
        `(e.g. "${TRACEABILITY_CODE_PREFIX}MA0000001001"), got "${code}"`,
      { argumentName: 'code', expectedFormat: `${TRACEABILITY_CODE_PREFIX}XXXXXXXXXXXX` },
    );
  }
  return code;
}

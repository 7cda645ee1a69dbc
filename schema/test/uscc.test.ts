import { describe, expect, it } from 'vitest';
import { GraphQLError, Kind } from 'graphql';
import { checkUscc, isValidUscc, makeUscc, USCCScalar } from '../src/index.ts';

// The verified examples from shared/notes/domain.md.
const VALID = [
  '91350100M000100Y43',
  '91110000600037341L',
  '91110000101623741K',
  '91310115MA1K3BTP2B',
  '914101086905876455',
  '91440300708461136T',
];

describe('USCC check characters', () => {
  it.each(VALID)('accepts %s', (code) => {
    expect(checkUscc(code)).toBeNull();
  });

  it('refuses a wrong length and says the length', () => {
    expect(checkUscc('91350100M000100Y4')?.message).toMatch(/18 characters long, got 17/);
    expect(checkUscc('')?.message).toMatch(/got 0/);
  });

  it('refuses a letter outside the alphabet and names its position', () => {
    const problem = checkUscc('91350100M00010OY43');
    expect(problem?.position).toBe(15);
    expect(problem?.message).toMatch(/character 15 is "O"/);
  });

  it('refuses lower case with a hint', () => {
    expect(checkUscc('91310115ma1K3BTP2B')?.message).toMatch(/upper case/);
  });

  it('refuses non-digits in the division code (positions 3-8)', () => {
    expect(checkUscc('91A50100M000100Y43')?.position).toBe(3);
  });

  it('checks the organization code check digit (position 17, GB 11714)', () => {
    const problem = checkUscc('91350100M000100X43');
    expect(problem?.position).toBe(17);
    expect(problem?.expected).toBe('6');
  });

  it('checks the final check character (position 18) and names the expected one', () => {
    for (const code of VALID) {
      const wrong = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
      const problem = checkUscc(wrong);
      expect(problem?.position).toBe(18);
      expect(problem?.expected).toBe(code[17]);
    }
  });

  it('refuses the legacy pilot code that fails the check (input is strict)', () => {
    expect(isValidUscc('91350211M0000XUF46')).toBe(false);
  });

  it('refuses non-strings', () => {
    expect(checkUscc(42)?.message).toMatch(/string/);
    expect(checkUscc(null)?.message).toMatch(/null/);
  });

  it('makes valid codes, including Zhengzhou ones with an X check digit', () => {
    expect(makeUscc('91', '350100', 'M000100Y')).toBe('91350100M000100Y43');
    for (let n = 0; n < 500; n++) {
      const code = makeUscc('91', '410105', String(10_000_000 + n * 7919).slice(-8));
      expect(isValidUscc(code)).toBe(true);
    }
  });
});

describe('USCC scalar', () => {
  it('parses valid variables and literals', () => {
    expect(USCCScalar.parseValue('91110000600037341L')).toBe('91110000600037341L');
    expect(USCCScalar.parseLiteral({ kind: Kind.STRING, value: '91110000600037341L' }, {})).toBe('91110000600037341L');
  });

  it('throws BAD_USER_INPUT with the reason for a bad code', () => {
    try {
      USCCScalar.parseValue('91110000600037341K');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GraphQLError);
      expect((error as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
      expect((error as GraphQLError).extensions.expected).toBe('L');
    }
  });

  it('refuses a non-string literal', () => {
    expect(() => USCCScalar.parseLiteral({ kind: Kind.INT, value: '91' }, {})).toThrow(/string/);
  });
});

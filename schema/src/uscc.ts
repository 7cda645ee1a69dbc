// Unified social credit code (统一社会信用代码), GB 32100-2015.
// [1] registration authority, [2] entity type, [3-8] administrative division,
// [9-17] organization code (GB 11714, [17] is its check digit), [18] check character.

export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export const USCC_LENGTH = 18;
/** 3^(i-1) mod 31 for i = 1..17. */
const CHECK_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/** GB 11714 weights for the eight body characters of the organization code. */
const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

export interface UsccProblem {
  /** 1-based position of the offending character, when one is to blame. */
  position?: number;
  /** What the character at `position` should be, for check-character mistakes. */
  expected?: string;
  message: string;
}

/** GB 11714 counts letters on the full Latin alphabet (A=10 .. Z=35). */
function orgCodeValue(char: string): number {
  const code = char.charCodeAt(0);
  return code <= 57 ? code - 48 : code - 55;
}

/** The GB 11714 check digit for eight organization-code characters (positions 9-16). */
export function orgCodeCheckCharacter(body: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += orgCodeValue(body[i]!) * ORG_CODE_WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}

/** The GB 32100 check character for the first 17 characters. */
export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i]!) * CHECK_WEIGHTS[i]!;
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]!;
}

/** Explains why `value` is not a valid USCC, or returns null when it is one. */
export function checkUscc(value: unknown): UsccProblem | null {
  if (typeof value !== 'string') {
    return { message: `USCC must be a string of 18 characters, got ${value === null ? 'null' : typeof value}` };
  }
  if (value.length !== USCC_LENGTH) {
    return { message: `USCC must be 18 characters long, got ${value.length} ("${value}")` };
  }
  for (let i = 0; i < USCC_LENGTH; i++) {
    const char = value[i]!;
    const position = i + 1;
    if (position >= 3 && position <= 8) {
      if (char < '0' || char > '9') {
        return {
          position,
          message: `USCC character ${position} is "${char}": positions 3-8 are the administrative division code and must be digits`,
        };
      }
    } else if (!USCC_ALPHABET.includes(char)) {
      const hint = char !== char.toUpperCase() ? ' (letters must be upper case)' : ' (I, O, S, V and Z are never used)';
      return {
        position,
        message: `USCC character ${position} is "${char}", which is not in the code alphabet 0-9 A-H J-N P Q R T U W X Y${hint}`,
      };
    }
  }
  const orgCheck = orgCodeCheckCharacter(value.slice(8, 16));
  if (value[16] !== orgCheck) {
    return {
      position: 17,
      expected: orgCheck,
      message: `USCC character 17 is "${value[16]}" but the organization code check digit (GB 11714) for "${value.slice(8, 16)}" is "${orgCheck}"`,
    };
  }
  const check = usccCheckCharacter(value.slice(0, 17));
  if (value[17] !== check) {
    return {
      position: 18,
      expected: check,
      message: `USCC character 18 is "${value[17]}" but the check character for "${value.slice(0, 17)}" is "${check}"`,
    };
  }
  return null;
}

export function isValidUscc(value: unknown): value is string {
  return checkUscc(value) === null;
}

/** Builds a valid code from authority+type (2), division (6 digits) and organization-code body (8). */
export function makeUscc(authorityAndType: string, division: string, orgBody: string): string {
  const first17 = authorityAndType + division + orgBody + orgCodeCheckCharacter(orgBody);
  return first17 + usccCheckCharacter(first17);
}

/** Zhengzhou's administrative divisions (GB/T 2260), as used in positions 3-8. */
export const ZHENGZHOU_DIVISIONS = {
  '410102': 'Zhongyuan',
  '410103': 'Erqi',
  '410104': 'Guancheng',
  '410105': 'Jinshui',
  '410106': 'Shangjie',
  '410108': 'Huiji',
  '410122': 'Zhongmu',
  '410171': 'Economic and Technological Development Zone',
  '410172': 'High-tech Industrial Development Zone',
  '410173': 'Airport Economy Zone',
  '410181': 'Gongyi',
  '410182': 'Xingyang',
  '410183': 'Xinmi',
  '410184': 'Xinzheng',
  '410185': 'Dengfeng',
} as const;

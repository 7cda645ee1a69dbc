// Who is asking. The gateway establishes the caller (identity) and forwards it, signed, to
// the subgraphs; both sides share this shape and the scope catalogue below.

export const ROLES = ['PUBLIC', 'BANK', 'SECTOR_PLATFORM', 'REGULATOR', 'ENTERPRISE', 'DEVELOPER', 'AGENCY'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The scenarios of a public agency's credit verification (信用核查): the checks a public
 * management body makes before an administrative approval, a government procurement award, a
 * public-resource trade, fiscal funding or a subsidy, and an honour (国发〔2016〕33号;
 * 全国失信惩戒措施基础清单). Each is also the purpose the agency declares. Data: a new scenario
 * is one more entry here, in the SDL enums and in the measures catalogue's scenarios.
 */
export const VERIFICATION_SCENARIOS = [
  'ADMINISTRATIVE_APPROVAL',
  'GOVERNMENT_PROCUREMENT',
  'PUBLIC_RESOURCE_TRADING',
  'FUNDING_SUPPORT',
  'HONOUR_AWARD',
] as const;
export type VerificationScenario = (typeof VERIFICATION_SCENARIOS)[number];

/** Why non-public data is read (Henan Social Credit Regulations art. 18, 22), or why an agency verifies. */
export const PURPOSES = ['LOAN_APPROVAL', 'LOAN_MONITORING', 'SUPERVISION', 'SELF_QUERY', ...VERIFICATION_SCENARIOS] as const;
export type Purpose = (typeof PURPOSES)[number];

/**
 * The purposes each role may declare: a purpose states the caller's lawful business with the
 * data (Henan Social Credit Regulations art. 18, 22), so it must be one that role can have. A
 * bank lends, a regulator or sector platform supervises, an enterprise queries itself, a public
 * agency verifies for one of its scenarios; the public and developers read public data only and
 * declare none. Data, not code: a new role or purpose is one more row.
 */
export const ROLE_PURPOSES: Readonly<Record<Role, readonly Purpose[]>> = Object.freeze({
  PUBLIC: [],
  BANK: ['LOAN_APPROVAL', 'LOAN_MONITORING'],
  SECTOR_PLATFORM: ['SUPERVISION'],
  REGULATOR: ['SUPERVISION'],
  ENTERPRISE: ['SELF_QUERY'],
  DEVELOPER: [],
  AGENCY: VERIFICATION_SCENARIOS,
});

/** True when a caller of `role` may declare `purpose` (see ROLE_PURPOSES). */
export function purposeAllowed(role: Role, purpose: Purpose): boolean {
  return ROLE_PURPOSES[role]?.includes(purpose) ?? false;
}

/** A housekeeping worker's opaque id (never an ID-card number). */
export const WORKER_ID_PATTERN = /^wk_[0-9a-f]{16}$/;

export const SECTORS = ['finance', 'supply-chain', 'environment', 'housekeeping', 'trade'] as const;
export type Sector = (typeof SECTORS)[number];

/**
 * The scope catalogue. Subgraph SDL guards fields with `@requiresScopes` naming these.
 *   credit:read      non-public credit data of an enterprise (with purpose, and consent for banks)
 *   personal:read    unmasked personal data of natural persons
 *   <sector>:write   a sector platform's writes to its own sector
 *   lists:manage     regulators' list, objection and repair decisions
 *   audit:read       the whole audit log
 *   consent:manage   an enterprise's own consents and query records
 *   credit:verify    a public agency's credit verification (信用核查) and its stored evidence
 *   schema:introspect introspection in production mode
 *   supervision:read supervision classes and the regulator's list by class (分级分类监管)
 */
export const SCOPES = [
  'credit:read',
  'personal:read',
  'finance:write',
  'supply-chain:write',
  'environment:write',
  'housekeeping:write',
  'trade:write',
  'lists:manage',
  'audit:read',
  'consent:manage',
  'credit:verify',
  'schema:introspect',
  'supervision:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/** Scopes each role gets by default; a token or key may carry fewer, never others. */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  PUBLIC: [],
  BANK: ['credit:read'],
  SECTOR_PLATFORM: ['credit:read', 'supervision:read'], // plus `<sector>:write` for its own sector, added at issue
  REGULATOR: ['credit:read', 'personal:read', 'lists:manage', 'audit:read', 'schema:introspect', 'supervision:read'],
  ENTERPRISE: ['credit:read', 'consent:manage'], // bound to its own USCC
  DEVELOPER: ['schema:introspect'],
  // Public data, plus the verification of its scenarios; bound to its institution (USCC).
  AGENCY: ['credit:verify'],
};

export interface Caller {
  /** Stable id of the person or system (token `sub`, API key id). */
  subject: string;
  role: Role;
  scopes: readonly string[];
  /** The institution's id (its USCC) for banks, platforms, regulators and agencies. */
  institution?: string;
  /** The sector a SECTOR_PLATFORM is bound to. */
  sector?: Sector;
  /** The USCC an ENTERPRISE caller is bound to. */
  uscc?: string;
  /** The declared purpose of this request, if any. */
  purpose?: Purpose;
  /**
   * For a BANK: the enterprises named in this operation that granted this bank a live
   * consent for `purpose` (resolved by the gateway per request), and those consents' ids.
   */
  consents?: readonly string[];
  consentIds?: readonly string[];
  /**
   * Workers whose record this caller may see unmasked: the worker authorized this caller (a
   * household) with a short-lived signed code, verified by the gateway per request.
   */
  workerGrants?: readonly string[];
}

export const ANONYMOUS_CALLER: Caller = Object.freeze({ subject: 'anonymous', role: 'PUBLIC', scopes: [] });

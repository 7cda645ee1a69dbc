// Defense in depth: every subgraph enforces its own graphql-shield rules, whatever the gateway
// decided. Deny by default: a field without a rule is refused, so a new field fails closed
// until someone decides who may read it. The shared rules are defined here, once; each
// subgraph's `permissions.ts` maps its types and fields to them.
import { createRequire } from 'node:module';
import util from 'node:util';
import { applyMiddleware } from 'graphql-middleware';
import type { IRules } from 'graphql-shield';
import { isObjectType, type GraphQLError, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import {
  creditGraphError,
  isPublicRecordKind,
  purposeAllowed,
  ROLE_PURPOSES,
  RECORD_SOURCES,
  SECTORS,
  type Caller,
  type ErrorCode,
  type RecordSource,
  type Sector,
} from '@credit-graph/contract';

// graphql-shield 7.6.5, its last release, imports `util.isUndefined`, which Node 23 removed: its
// ES module build cannot even load on Node 24. Its CommonJS build looks the function up only
// when a rule runs, so it is loaded through require with the function provided (same meaning).
(util as { isUndefined?: (value: unknown) => boolean }).isUndefined ??= (value) => value === undefined;
const { allow, deny, rule, shield } = createRequire(import.meta.url)('graphql-shield') as typeof import('graphql-shield');

/** The scope that opens non-public credit data (with purpose, and consent for banks). */
export const CREDIT_SCOPE = 'credit:read';
/** The scope that shows natural persons' names unmasked. */
export const PERSONAL_SCOPE = 'personal:read';

/** A subgraph's rule map that cannot be applied: raised at start-up, before any port is opened. */
export class PermissionsError extends Error {
  readonly code = 'INVALID_CONFIG';
}

/** Public information by declaration (disclosed penalties, licences, list entries, ...). */
export const isPublic = allow;

/**
 * For types reached only through a field that `nonPublicCredit` guards (FinanceProfile's
 * lists, CarbonEmission, ...): the guard above has already decided for this enterprise.
 */
export const guardedAbove = allow;

/**
 * True when the caller may see a natural person's name unmasked: with the personal:read scope
 * (a regulator), or, for worker `workerId`, when that worker authorized this caller (a
 * household holding the worker's code; the gateway verified it into `workerGrants`).
 */
export function personalDataVisible(caller: Caller, workerId?: string): boolean {
  if (caller.scopes.includes(PERSONAL_SCOPE)) return true;
  return workerId !== undefined && (caller.workerGrants?.includes(workerId) ?? false);
}

/**
 * A refusal of one field: a coded error like any other, minus the HTTP status. Apollo Server
 * would answer the whole request with that status, and the gateway drops every non-2xx answer
 * of a subgraph, so the consenting enterprises of a portfolio would lose their data too.
 */
function fieldRefusal(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  const error = creditGraphError(code, message, extensions);
  delete (error.extensions as Record<string, unknown>).http;
  return error;
}

/**
 * What one request read, by subject key (enterprise USCC, worker id): filled by the guards
 * below and by `personalName`, reported to the gateway for the audit record (read-report.ts in
 * the contract). A subject is `read` once a guarded field of it resolved to data, `denied` when
 * a guard refused it.
 */
export interface ReadLog {
  read: Set<string>;
  denied: Set<string>;
}

export function createReadLog(): ReadLog {
  return { read: new Set(), denied: new Set() };
}

export interface SubjectContext {
  caller: Caller;
  /** Absent only where no request runs (a unit test calling a rule by hand). */
  reads?: ReadLog;
}

function creditDecision(sector: Sector, parent: { uscc?: unknown }, caller: Caller, info: GraphQLResolveInfo) {
  const field = `${info.parentType.name}.${info.fieldName}`;
  const uscc = parent?.uscc;
  // Every guarded parent (an Enterprise reference or a sector row) carries its enterprise's
  // code; a parent without one is a programming error, and it fails closed.
  if (typeof uscc !== 'string') {
    return fieldRefusal('FORBIDDEN', `${field} is non-public credit data and its enterprise is unknown here`);
  }
  return creditVerdict(sector, uscc, caller, field);
}

/**
 * Whether `caller` may read non-public credit data of `sector` (undefined: the registry's own)
 * about enterprise `uscc`: true, or the coded refusal (FORBIDDEN, PURPOSE_REQUIRED,
 * CONSENT_REQUIRED) naming `field`. The one decision behind `nonPublicCredit` and the
 * registry's lifecycle data of non-public records (Henan Social Credit Regulations art. 18, 22).
 */
export function creditVerdict(sector: Sector | undefined, uscc: string, caller: Caller, field: string): true | GraphQLError {
  const refuse = (message: string) => fieldRefusal('FORBIDDEN', message, { uscc });
  const needPurpose = () =>
    fieldRefusal(
      'PURPOSE_REQUIRED',
      `Reading ${field} of enterprise ${uscc} needs a declared purpose (x-credit-purpose; for a ${caller.role}: ${ROLE_PURPOSES[caller.role]?.join(', ') || 'none'})`,
      { uscc },
    );

  if (!caller.scopes.includes(CREDIT_SCOPE)) {
    return refuse(`${field} is non-public credit data: it needs the ${CREDIT_SCOPE} scope, which this ${caller.role} caller does not have`);
  }
  // Checked by the gateway already; a signed caller with a purpose its role cannot have fails closed.
  if (caller.purpose && !purposeAllowed(caller.role, caller.purpose)) {
    return refuse(`A ${caller.role} caller cannot read ${field} for the purpose ${caller.purpose}`);
  }
  switch (caller.role) {
    case 'ENTERPRISE':
      // A self query needs no purpose and no consent; any other enterprise is not its business.
      return caller.uscc === uscc ? true : refuse(`An enterprise reads only its own ${field}; ${uscc} is another enterprise`);
    case 'BANK':
      if (!caller.purpose) return needPurpose();
      if (!caller.consents?.includes(uscc)) {
        return fieldRefusal(
          'CONSENT_REQUIRED',
          `Enterprise ${uscc} has not granted bank ${caller.institution ?? caller.subject} a live consent for purpose ${caller.purpose}: ` +
            `the enterprise must grant this bank consent for ${caller.purpose} before ${field} can be read`,
          { uscc },
        );
      }
      return true;
    case 'REGULATOR':
      return caller.purpose ? true : needPurpose();
    case 'SECTOR_PLATFORM':
      if (!sector || caller.sector !== sector) {
        const owner = sector ? `the ${sector} sector` : 'no sector';
        return refuse(`${field} belongs to ${owner}; a ${caller.sector ?? 'unbound'} sector platform may not read it`);
      }
      return caller.purpose ? true : needPurpose();
    default:
      return refuse(`${field} is non-public credit data, not open to a ${caller.role} caller`);
  }
}

/** A lifecycle item (objection, repair application) about one record of one enterprise. */
export interface LifecycleItem {
  uscc: string;
  recordSource: string;
  recordKind: string;
}

/**
 * Whether `context.caller` may see lifecycle data (an objection, a repair application, a record
 * state) about this record: anyone when the record's kind is public (PUBLIC_RECORD_KINDS in the
 * contract); otherwise whoever may read that sector's non-public data of the enterprise
 * (`creditVerdict`). The visibility of lifecycle data follows the record's (issue 9 §8). With
 * `logRead`, a non-public item shown is logged as a read of its enterprise (audit).
 */
export function lifecycleVisible(context: SubjectContext, item: LifecycleItem, logRead = true): boolean {
  const source = item.recordSource as RecordSource;
  if (RECORD_SOURCES.includes(source) && isPublicRecordKind(source, item.recordKind)) return true;
  const sector = SECTORS.includes(source as Sector) ? (source as Sector) : undefined;
  if (creditVerdict(sector, item.uscc, context.caller, `the lifecycle of ${item.recordSource} ${item.recordKind}`) !== true) return false;
  if (logRead) context.reads?.read.add(item.uscc);
  return true;
}

const creditRules = new Map<Sector, ReturnType<ReturnType<typeof rule>>>();
/** The rules whose fields are non-public data of `parent.uscc`: their reads are logged. */
const guardRules = new Set<unknown>();

type Resolve = (parent: unknown, args: unknown, context: unknown, info: GraphQLResolveInfo) => unknown;

/**
 * Inside the guard (which has already allowed this enterprise): once the field resolved to data,
 * the enterprise's non-public data was read. A null (no records held) reveals no record.
 */
async function logRead(resolve: Resolve, parent: { uscc?: unknown }, args: unknown, context: SubjectContext, info: GraphQLResolveInfo) {
  const value = await resolve(parent, args, context, info);
  if (value !== null && value !== undefined && !(value instanceof Error) && typeof parent?.uscc === 'string') {
    context.reads?.read.add(parent.uscc);
  }
  return value;
}

/**
 * The rule for a non-public field of the `sector` subgraph (`@requiresScopes(credit:read)` in
 * its SDL). The enterprise is `parent.uscc`. Refusals are returned as coded errors so that the
 * field is null with FORBIDDEN, PURPOSE_REQUIRED or CONSENT_REQUIRED and the rest answers.
 *
 * No cache: the verdict depends on the parent's enterprise, and shield's 'contextual' cache
 * would keep the first enterprise's verdict for the whole request (in a portfolio, one
 * enterprise's consent would open the others). The rule is pure and cheap, so it simply runs
 * per field.
 */
export function nonPublicCredit(sector: Sector) {
  if (!SECTORS.includes(sector)) {
    throw new PermissionsError(`nonPublicCredit: "${String(sector)}" is not a sector (one of ${SECTORS.join(', ')})`);
  }
  // One rule per sector: shield refuses two different rules under one name.
  let sectorRule = creditRules.get(sector);
  if (!sectorRule) {
    sectorRule = rule(`nonPublicCredit:${sector}`, { cache: 'no_cache' })(
      (parent: { uscc?: unknown }, _args: unknown, context: SubjectContext, info: GraphQLResolveInfo) => {
        const verdict = creditDecision(sector, parent, context.caller, info);
        if (verdict !== true && typeof parent?.uscc === 'string') context.reads?.denied.add(parent.uscc);
        return verdict;
      },
    );
    guardRules.add(sectorRule);
    creditRules.set(sector, sectorRule);
  }
  return sectorRule;
}

/** Federation's own entry points and shared declarations: always answerable. */
const KIT_RULES = { _Service: allow, PageInfo: isPublic };
const FEDERATION_QUERY_RULES = { _service: allow, _entities: allow };

/** The rule shield applies to Type.field: the field's own, else the type's '*', else deny. */
function effectiveRule(rules: Record<string, unknown>, typeName: string, fieldName: string): unknown {
  const typeRules = rules[typeName];
  if (typeRules === undefined) return deny;
  if (!isRuleMap(typeRules)) return typeRules;
  return typeRules[fieldName] ?? typeRules['*'] ?? deny;
}

/** A plain map of names to rules, as opposed to one rule (every rule has `resolve`). */
function isRuleMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !('resolve' in value);
}

/**
 * The subgraph schema with `permissions` applied (deny by default). graphql-middleware rebuilds
 * every type; federation's reference resolvers are carried over to the rebuilt types.
 */
export function applyPermissions(schema: GraphQLSchema, permissions: IRules): GraphQLSchema {
  if (!isRuleMap(permissions)) {
    throw new PermissionsError('permissions must map each type to its rules; a single rule for the whole schema hides the decision per field');
  }
  const query = permissions.Query;
  const rules = {
    ...KIT_RULES,
    ...permissions,
    // A subgraph cannot close `_service` or `_entities`: the gateway needs both to plan and fetch.
    Query: { ...(query === undefined ? {} : isRuleMap(query) ? query : { '*': query }), ...FEDERATION_QUERY_RULES },
  } as IRules;
  let secured: GraphQLSchema;
  try {
    const middleware = shield(rules, {
      fallbackRule: deny,
      // A resolver's own coded error (BAD_USER_INPUT, ...) reaches the caller unchanged.
      allowExternalErrors: true,
      fallbackError: (_error: unknown, _parent: object, _args: object, _context: unknown, info: GraphQLResolveInfo) =>
        fieldRefusal(
          'FORBIDDEN',
          `${info.parentType.name}.${info.fieldName} is closed: this subgraph's permissions open it to no caller`,
        ),
    });
    // shield wraps every field in an async rule check, `allow` included; an open field needs
    // no check, and a portfolio of 500 resolves tens of thousands of them. So the open fields
    // keep their own resolvers, and only guarded fields (and denied ones) are wrapped.
    const fieldMap = (middleware as unknown as { generate(schema: GraphQLSchema): Record<string, Record<string, unknown>> }).generate(schema);
    for (const [typeName, fields] of Object.entries(fieldMap)) {
      for (const fieldName of Object.keys(fields)) {
        if (effectiveRule(rules as Record<string, unknown>, typeName, fieldName) === allow) delete fields[fieldName];
      }
    }
    // The read log runs inside the guard: a refused field never reaches it.
    const readMap: Record<string, Record<string, typeof logRead>> = {};
    for (const [typeName, fields] of Object.entries(fieldMap)) {
      for (const fieldName of Object.keys(fields)) {
        if (guardRules.has(effectiveRule(rules as Record<string, unknown>, typeName, fieldName))) {
          (readMap[typeName] ??= {})[fieldName] = logRead;
        }
      }
    }
    secured = applyMiddleware(schema, fieldMap as never, readMap as never);
  } catch (error) {
    // shield refuses rules naming a type or field the schema lacks, and one name for two rules.
    throw new PermissionsError(`permissions: ${(error as Error).message}`);
  }
  restoreReferenceResolvers(schema, secured);
  return secured;
}

interface ReferenceExtensions {
  apollo?: { subgraph?: { resolveReference?: unknown } };
}

/**
 * Copies `__resolveReference` (kept in the type's extensions by @apollo/subgraph) to the rebuilt
 * type where it was lost: the known graphql-middleware trap. graphql-middleware 6 with
 * @apollo/subgraph 2.14 keeps it; this holds whatever the versions, and the kit test checks
 * every entity type of every subgraph.
 */
function restoreReferenceResolvers(original: GraphQLSchema, secured: GraphQLSchema): void {
  for (const type of Object.values(original.getTypeMap())) {
    const resolveReference = (type.extensions as ReferenceExtensions).apollo?.subgraph?.resolveReference;
    const target = secured.getType(type.name);
    if (!resolveReference || !isObjectType(target)) continue;
    const extensions = target.extensions as ReferenceExtensions;
    if (extensions.apollo?.subgraph?.resolveReference === resolveReference) continue;
    target.extensions = {
      ...extensions,
      apollo: { ...extensions.apollo, subgraph: { ...extensions.apollo?.subgraph, resolveReference } },
    };
  }
}

const callerRules = new Map<string, ReturnType<ReturnType<typeof rule>>>();

/**
 * A rule decided by the caller alone (writes and workflow steps): `check` returns true, or the
 * reason for refusing, which becomes a FORBIDDEN error naming the field. Shield caches per
 * request ('contextual'): the caller does not change within one.
 */
function callerRule(name: string, check: (caller: Caller) => true | string) {
  let callerRule = callerRules.get(name);
  if (!callerRule) {
    callerRule = rule(name, { cache: 'contextual' })(
      (_parent: unknown, _args: unknown, context: SubjectContext, info: GraphQLResolveInfo) => {
        const verdict = check(context.caller);
        return verdict === true ? true : fieldRefusal('FORBIDDEN', `${info.parentType.name}.${info.fieldName}: ${verdict}`);
      },
    );
    callerRules.set(name, callerRule);
  }
  return callerRule;
}

/** The write scope of a sector: `<sector>:write`. */
export function writeScope(sector: Sector): string {
  return `${sector}:write`;
}

/** Writes to a sector's records: only that sector's platform, with its write scope. */
export function sectorWriter(sector: Sector) {
  if (!SECTORS.includes(sector)) {
    throw new PermissionsError(`sectorWriter: "${String(sector)}" is not a sector (one of ${SECTORS.join(', ')})`);
  }
  return callerRule(`sectorWriter:${sector}`, (caller) => {
    if (caller.role !== 'SECTOR_PLATFORM') return `only the ${sector} sector platform writes ${sector} records; this caller is ${caller.role}`;
    if (caller.sector !== sector) return `a ${caller.sector ?? 'unbound'} sector platform cannot write ${sector} records`;
    if (!caller.scopes.includes(writeScope(sector))) return `the ${writeScope(sector)} scope is missing from this credential`;
    return true;
  });
}

/** Any sector platform (the resolver checks that the record is its sector's). */
export const anySectorPlatform = callerRule('anySectorPlatform', (caller) =>
  caller.role === 'SECTOR_PLATFORM' && caller.sector ? true : `only a sector platform takes this step; this caller is ${caller.role}`,
);

/** Regulators' decisions: lists, objections, repairs (scope lists:manage). */
export const listManager = callerRule('listManager', (caller) =>
  caller.role === 'REGULATOR' && caller.scopes.includes('lists:manage')
    ? true
    : `only a regulator with the lists:manage scope takes this step; this caller is ${caller.role}`,
);

/** An enterprise acting for itself (the resolver checks that the record is its own). */
export const enterpriseSelf = callerRule('enterpriseSelf', (caller) =>
  caller.role === 'ENTERPRISE' && caller.uscc ? true : `only an enterprise acting for itself takes this step; this caller is ${caller.role}`,
);

/** Sector platforms and regulators: those who record how a commitment ended. */
export const sectorPlatformOrRegulator = callerRule('sectorPlatformOrRegulator', (caller) =>
  (caller.role === 'SECTOR_PLATFORM' && caller.sector) || (caller.role === 'REGULATOR' && caller.scopes.includes('lists:manage'))
    ? true
    : `only a sector platform or a regulator takes this step; this caller is ${caller.role}`,
);

/**
 * A public agency verifying for a scenario it may declare (scope credit:verify; the declared
 * purpose, when there is one, must be one of the agency's scenarios): credit verification (信用核查).
 */
export const creditVerifier = callerRule('creditVerifier', (caller) => {
  if (caller.role !== 'AGENCY' || !caller.scopes.includes('credit:verify')) {
    return `only a public agency with the credit:verify scope verifies credit for a scenario; this caller is ${caller.role}`;
  }
  if (caller.purpose && !purposeAllowed(caller.role, caller.purpose)) return `an agency cannot verify for the purpose ${caller.purpose}`;
  return true;
});

/** The scope of supervision classes (分级分类监管): regulators and sector platforms. */
export const SUPERVISION_SCOPE = 'supervision:read';

/** Regulators and sector platforms reading supervision classes (scope supervision:read). */
export const supervisor = callerRule('supervisor', (caller) =>
  (caller.role === 'REGULATOR' || (caller.role === 'SECTOR_PLATFORM' && caller.sector)) && caller.scopes.includes(SUPERVISION_SCOPE)
    ? true
    : `supervision classes are for regulators and sector platforms (scope ${SUPERVISION_SCOPE}); this caller is ${caller.role}`,
);

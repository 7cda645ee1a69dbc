// Authorization before query planning, with Apollo Router's semantics: fields the caller may
// not read (`@authenticated`, `@requiresScopes` in the subgraph SDL, composed into the
// supergraph) are removed from the operation before the gateway plans it, and come back as
// `null` with an error naming the field and its path; the rest of the query still answers. A
// removed non-null field nulls its nearest nullable parent, as GraphQL execution would.
// Mode `reject` refuses the whole operation instead.
import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  TypeInfo,
  getOperationAST,
  parse,
  print,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type StringValueNode,
  type ListValueNode,
} from 'graphql';
import { type Caller } from '@credit-graph/contract';
import { ConfigError } from '../config.ts';
import { applyRemovals, dropKeyEverywhere, planRemovals, type PlanOptions, type Removal as PlannedRemoval, type RemovalPlan } from './removal-plan.ts';

export type AuthorizationMode = 'filter' | 'reject';

/** What reading one field (or any field returning one type) requires. */
export interface Requirement {
  authenticated: boolean;
  /** Alternatives (OR) of scope sets (AND), as in `@requiresScopes(scopes: [["a", "b"], ["c"]])`. */
  scopes: string[][];
}

/** Stands in for a selection set emptied by authorization, removed again from the response. */
const PLACEHOLDER = '__authorization_placeholder';

function scopesArgument(value: ListValueNode | undefined): string[][] {
  return (value?.values ?? []).map((inner) =>
    inner.kind === Kind.LIST ? inner.values.map((v) => (v as StringValueNode).value) : [(inner as StringValueNode).value],
  );
}

/**
 * Reads field and type requirements from the supergraph's directive applications, as
 * `Type.field` coordinates. A type's requirement (`@authenticated`/`@requiresScopes` on an
 * object, interface, scalar or enum; Apollo Router's semantics) applies to every field of the
 * type and to every field returning it, so a type reached through a union or an
 * interface is guarded by its own fields.
 */
export function readRequirements(supergraphSdl: string): Map<string, Requirement> {
  const requirements = new Map<string, Requirement>();
  const typeRequirements = new Map<string, Requirement>();
  const fieldTypes: [coordinate: string, returnType: string][] = [];
  const requirementOf = (directives: readonly { name: { value: string }; arguments?: readonly { name: { value: string }; value: unknown }[] }[] | undefined) => {
    let found: Requirement | undefined;
    for (const directive of directives ?? []) {
      if (directive.name.value === 'authenticated') found = { authenticated: true, scopes: found?.scopes ?? [] };
      if (directive.name.value === 'requiresScopes') {
        const scopes = scopesArgument(directive.arguments?.find((a) => a.name.value === 'scopes')?.value as ListValueNode);
        found = { authenticated: true, scopes: [...(found?.scopes ?? []), ...scopes] };
      }
    }
    return found;
  };
  // Both must hold (AND): every alternative of one joined with every alternative of the other.
  const both = (own: Requirement | undefined, added: Requirement): Requirement => {
    if (!own || own.scopes.length === 0) return { authenticated: true, scopes: added.scopes };
    if (added.scopes.length === 0) return own;
    return { authenticated: true, scopes: own.scopes.flatMap((a) => added.scopes.map((b) => [...new Set([...a, ...b])])) };
  };
  const definitions = parse(supergraphSdl).definitions;
  for (const definition of definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const typeRequirement = requirementOf(definition.directives);
    if (typeRequirement) typeRequirements.set(definition.name.value, typeRequirement);
  }
  for (const definition of definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    const ownTypeRequirement = typeRequirements.get(definition.name.value);
    for (const field of definition.fields ?? []) {
      const coordinate = `${definition.name.value}.${field.name.value}`;
      let requirement = requirementOf(field.directives);
      if (ownTypeRequirement) requirement = both(requirement, ownTypeRequirement);
      if (requirement) requirements.set(coordinate, requirement);
      let type = field.type;
      while (type.kind !== Kind.NAMED_TYPE) type = type.type;
      fieldTypes.push([coordinate, type.name.value]);
    }
  }
  // A type's requirement applies to every field that returns it.
  for (const [coordinate, returnType] of fieldTypes) {
    const typeRequirement = typeRequirements.get(returnType);
    if (typeRequirement) requirements.set(coordinate, both(requirements.get(coordinate), typeRequirement));
  }
  return requirements;
}

export function isAllowed(requirement: Requirement, caller: Caller): boolean {
  const authenticated = caller.role !== 'PUBLIC';
  if (requirement.authenticated && !authenticated) return false;
  if (requirement.scopes.length === 0) return true;
  return requirement.scopes.some((all) => all.every((scope) => caller.scopes.includes(scope)));
}

export type Removal = PlannedRemoval<Requirement>;

export interface FilterResult {
  document: DocumentNode;
  /** Each removed field once, with the path where it was first met. */
  removals: Removal[];
  /** Where the removed fields would be in the answer: nothing when `removals` is empty. */
  plan?: RemovalPlan<Requirement>;
  /** Scopes the fields that stay required: non-empty means the operation reads non-public data. */
  scopesUsed: string[];
  /** The document changed: fields were dropped, placeholders added. */
  rewritten?: boolean;
}

/**
 * Removes the fields `caller` may not read; returns the new document and where fields went.
 * Time linear in the document (each fragment examined once, see removal-plan.ts);
 * `options.work` counts the selections examined, `options.variables` decide `@skip`/`@include`.
 */
export function filterOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  requirements: Map<string, Requirement>,
  caller: Caller,
  options: PlanOptions = {},
): FilterResult {
  const denied = (parent: GraphQLCompositeType | null | undefined, field: string) => {
    if (!parent) return undefined;
    const requirement = requirements.get(`${parent.name}.${field}`);
    return requirement && !isAllowed(requirement, caller) ? requirement : undefined;
  };

  const operation = getOperationAST(document, operationName);
  if (!operation) return { document, removals: [], scopesUsed: [] };
  const scopesUsed = new Set<string>();
  const kept = (parent: GraphQLCompositeType, field: string) => {
    const requirement = requirements.get(`${parent.name}.${field}`);
    for (const scope of requirement?.scopes.find((all) => all.every((s) => caller.scopes.includes(s))) ?? []) scopesUsed.add(scope);
  };
  const { plan, removals } = planRemovals(schema, document, operation, denied, kept, options);

  // Rewrite: drop denied fields (in the operation and in fragments, also those `@skip` leaves
  // out: the planner never sees them). Every selection set below the root then also selects
  // the type name under PLACEHOLDER, so that the answer's objects say which fragments apply
  // to them and no selection set is left empty. One more linear pass.
  let dropped = false;
  const typeInfo = new TypeInfo(schema);
  const filtered = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: (node: FieldNode) => {
        if (!denied(typeInfo.getParentType(), node.name.value)) return undefined;
        dropped = true;
        return null;
      },
    }),
  );
  if (!dropped) return { document, removals, scopesUsed: [...scopesUsed] };
  const placeholder: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: PLACEHOLDER },
    name: { kind: Kind.NAME, value: '__typename' },
  };
  const completed = visit(filtered, {
    OperationDefinition: {
      // The root's type is known; its selection set only needs filling when emptied.
      leave: (node) =>
        node.selectionSet.selections.length === 0 ? { ...node, selectionSet: { ...node.selectionSet, selections: [placeholder] } } : undefined,
    },
    SelectionSet: {
      leave: (node, _key, parent) =>
        parent && 'kind' in parent && parent.kind === Kind.OPERATION_DEFINITION ? undefined : { ...node, selections: [placeholder, ...node.selections] },
    },
  });
  return { document: completed, removals, plan, scopesUsed: [...scopesUsed], rewritten: true };
}

function describeRequirement(requirement: Requirement): string {
  if (requirement.scopes.length === 0) return 'authentication';
  return requirement.scopes.map((all) => `scope ${all.join(' and ')}`).join(' or ');
}

/**
 * The error of one removed field; `path` is its standard GraphQL path in the answer (with list
 * indices) when the answer reached it, and `fieldPath` its response keys from the root.
 */
function authorizationError(removal: Removal, caller: Caller, status?: number, path?: (string | number)[]): GraphQLError {
  const anonymous = caller.role === 'PUBLIC';
  const code = anonymous ? 'UNAUTHENTICATED' : 'FORBIDDEN';
  const fieldPath = path ? path.filter((step) => typeof step === 'string') : removal.path;
  return new GraphQLError(
    `Not authorized to read ${removal.coordinate} at ${fieldPath.join('.')}: it requires ${describeRequirement(removal.reason)}` +
      (anonymous ? '; send a bearer token or an API key' : `, which the ${caller.role} caller does not have`),
    {
      ...(path ? { path } : {}),
      extensions: {
        code,
        field: removal.coordinate,
        fieldPath: fieldPath.join('.'),
        ...(status ? { http: { status } } : {}),
      },
    },
  );
}

/**
 * Completes the answer to a filtered operation (changed in place): `null` where the removed
 * fields would be, up to the nearest nullable parent (`data: null` when that is the root), the
 * placeholders gone, and one error per removed field, with its standard `path` where the
 * answer reached it.
 */
export function completeAnswer(
  schema: GraphQLSchema,
  result: { data?: Record<string, unknown> | null; errors?: readonly unknown[] },
  filtered: { removals: Removal[]; plan?: RemovalPlan<Requirement>; caller: Caller },
): void {
  // One error per place in the operation (response keys), at its first place in the answer.
  const errors = new Map<string, GraphQLError>();
  const reached = new Set<Removal>();
  if (result.data) {
    const located = (removal: Removal, path: (string | number)[]) => {
      reached.add(removal);
      const key = path.filter((step) => typeof step === 'string').join('.');
      if (!errors.has(key)) errors.set(key, authorizationError(removal, filtered.caller, undefined, path));
    };
    const data = filtered.plan ? applyRemovals(schema, result.data, filtered.plan, located, PLACEHOLDER) : result.data;
    if (data) dropKeyEverywhere(data, PLACEHOLDER);
    result.data = data;
  }
  // Removed fields the answer never reached (their parent is null): said once, without a path.
  for (const removal of filtered.removals) {
    if (!reached.has(removal)) errors.set(`unreached:${removal.path.join('.')}`, authorizationError(removal, filtered.caller));
  }
  // The spec: `errors`, when present, holds at least one error.
  if (errors.size > 0) result.errors = [...(result.errors ?? []), ...[...errors.values()].map((error) => error.toJSON())];
}

export interface AuthorizationContext {
  caller?: Caller;
  /** What authorization decided for this request, for the audit record. */
  authorization?: { scopesUsed: string[]; deniedFields: string[] };
}

export interface AuthorizationOptions {
  supergraphSdl: string;
  mode?: AuthorizationMode;
}

const DEFAULT_MODE: AuthorizationMode = 'filter';

export function createAuthorization(options: AuthorizationOptions): ApolloServerPlugin<AuthorizationContext> {
  const requirements = readRequirements(options.supergraphSdl);
  const mode = options.mode ?? DEFAULT_MODE;
  if (mode !== 'filter' && mode !== 'reject') throw new ConfigError(`AUTHORIZATION_MODE must be filter or reject, got "${mode}"`);
  const removalsByRequest = new WeakMap<object, { removals: Removal[]; plan?: RemovalPlan<Requirement>; caller: Caller }>();

  return {
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext: GraphQLRequestContext<AuthorizationContext>) {
          const caller = requestContext.contextValue.caller;
          if (!caller || !requestContext.document) return;
          const { document, removals, plan, scopesUsed, rewritten } = filterOperation(
            requestContext.schema,
            requestContext.document,
            requestContext.operationName,
            requirements,
            caller,
            { variables: requestContext.request.variables ?? {} },
          );
          requestContext.contextValue.authorization = { scopesUsed, deniedFields: [...new Set(removals.map((r) => r.coordinate))] };
          if (!rewritten) return;
          if (mode === 'reject' && removals.length > 0) throw authorizationError(removals[0]!, caller, caller.role === 'PUBLIC' ? 401 : 403);
          const mutable = requestContext as { -readonly [K in keyof typeof requestContext]: (typeof requestContext)[K] };
          mutable.document = document;
          mutable.operation = getOperationAST(document, requestContext.operationName) ?? undefined;
          // The gateway caches query plans by query hash: a filtered operation must not share
          // its plan with the unfiltered one.
          mutable.queryHash = createHash('sha256')
            .update(`${requestContext.queryHash}|${print(document)}`)
            .digest('hex');
          removalsByRequest.set(requestContext.request, { removals, plan, caller });
        },
        async willSendResponse(requestContext) {
          const entry = removalsByRequest.get(requestContext.request);
          if (!entry || requestContext.response.body.kind !== 'single') return;
          completeAnswer(requestContext.schema, requestContext.response.body.singleResult, entry);
        },
      };
    },
  };
}

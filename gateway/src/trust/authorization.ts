// Authorization before query planning, with Apollo Router's semantics: fields the caller may
// not read (`@authenticated`, `@requiresScopes` in the subgraph SDL, composed into the
// supergraph) are removed from the operation before the gateway plans it, and come back as
// `null` with an error naming the field and its path; the rest of the query still answers.
// Mode `reject` refuses the whole operation instead.
import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  TypeInfo,
  getNamedType,
  getOperationAST,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  parse,
  print,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
  type StringValueNode,
  type ListValueNode,
} from 'graphql';
import { type Caller } from '@credit-graph/contract';
import { ConfigError } from '../config.ts';

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

/** Reads field and type requirements from the supergraph's directive applications. */
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
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    const typeRequirement = requirementOf(definition.directives);
    if (typeRequirement) typeRequirements.set(definition.name.value, typeRequirement);
    for (const field of definition.fields ?? []) {
      const coordinate = `${definition.name.value}.${field.name.value}`;
      const requirement = requirementOf(field.directives);
      if (requirement) requirements.set(coordinate, requirement);
      let type = field.type;
      while (type.kind !== Kind.NAMED_TYPE) type = type.type;
      fieldTypes.push([coordinate, type.name.value]);
    }
  }
  // A type's requirement applies to every field that returns it.
  for (const [coordinate, returnType] of fieldTypes) {
    const typeRequirement = typeRequirements.get(returnType);
    if (!typeRequirement) continue;
    const own = requirements.get(coordinate);
    requirements.set(coordinate, own ? { authenticated: true, scopes: [...own.scopes, ...typeRequirement.scopes] } : typeRequirement);
  }
  return requirements;
}

export function isAllowed(requirement: Requirement, caller: Caller): boolean {
  const authenticated = caller.role !== 'PUBLIC';
  if (requirement.authenticated && !authenticated) return false;
  if (requirement.scopes.length === 0) return true;
  return requirement.scopes.some((all) => all.every((scope) => caller.scopes.includes(scope)));
}

interface Removal {
  coordinate: string;
  requirement: Requirement;
  /** Response keys from the root; lists are walked through. */
  path: string[];
}

interface FilterResult {
  document: DocumentNode;
  removals: Removal[];
  /** Scopes the fields that stay required: non-empty means the operation reads non-public data. */
  scopesUsed: string[];
}

/** Removes the fields `caller` may not read; returns the new document and where fields went. */
export function filterOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  requirements: Map<string, Requirement>,
  caller: Caller,
): FilterResult {
  const denied = (parent: GraphQLCompositeType | null | undefined, field: string) => {
    if (!parent) return undefined;
    const requirement = requirements.get(`${parent.name}.${field}`);
    return requirement && !isAllowed(requirement, caller) ? requirement : undefined;
  };

  const operation = getOperationAST(document, operationName);
  if (!operation) return { document, removals: [], scopesUsed: [] };
  const scopesUsed = new Set<string>();
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );

  // Where each denied field would have appeared in the response.
  const removals: Removal[] = [];
  const seen = new Set<string>();
  const collect = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, path: string[], spreads: Set<string>) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const requirement = denied(parent, selection.name.value);
        if (requirement) {
          const id = [...path, key].join('.');
          if (!seen.has(id)) {
            seen.add(id);
            removals.push({ coordinate: `${parent.name}.${selection.name.value}`, requirement, path: [...path, key] });
          }
          continue;
        }
        const kept = requirements.get(`${parent.name}.${selection.name.value}`);
        for (const scope of kept?.scopes.find((all) => all.every((s) => caller.scopes.includes(s))) ?? []) scopesUsed.add(scope);
        const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
        const child = definition ? getNamedType(definition.type) : undefined;
        if (selection.selectionSet && isCompositeType(child)) collect(selection.selectionSet, child, [...path, key], spreads);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType) : parent;
        collect(selection.selectionSet, condition ?? parent, path, spreads);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || spreads.has(fragment.name.value)) continue; // cycles are refused by validation
        const condition = schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType;
        collect(fragment.selectionSet, condition, path, new Set([...spreads, fragment.name.value]));
      }
    }
  };
  const root = schema.getRootType(operation.operation);
  if (root) collect(operation.selectionSet, root, [], new Set());
  if (removals.length === 0) return { document, removals, scopesUsed: [...scopesUsed] };

  // Rewrite: drop denied fields (in the operation and in fragments), then fill emptied
  // selection sets with a placeholder so that the document stays valid.
  const typeInfo = new TypeInfo(schema);
  const filtered = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: (node: FieldNode) => (denied(typeInfo.getParentType(), node.name.value) ? null : undefined),
    }),
  );
  const placeholder: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: PLACEHOLDER },
    name: { kind: Kind.NAME, value: '__typename' },
  };
  const completed = visit(filtered, {
    SelectionSet: {
      leave: (node) => (node.selections.length === 0 ? { ...node, selections: [placeholder] } : undefined),
    },
  });
  return { document: completed, removals, scopesUsed: [...scopesUsed] };
}

/** Sets `null` at every place `path` reaches in `data`, walking through lists. */
function nullAt(data: unknown, path: string[]): void {
  if (data === null || data === undefined) return;
  if (Array.isArray(data)) {
    for (const item of data) nullAt(item, path);
    return;
  }
  if (typeof data !== 'object') return;
  const [key, ...rest] = path;
  const record = data as Record<string, unknown>;
  if (rest.length === 0) {
    record[key!] = null;
    return;
  }
  nullAt(record[key!], rest);
}

function dropPlaceholders(data: unknown): void {
  if (Array.isArray(data)) {
    for (const item of data) dropPlaceholders(item);
  } else if (data && typeof data === 'object') {
    const record = data as Record<string, unknown>;
    delete record[PLACEHOLDER];
    for (const value of Object.values(record)) dropPlaceholders(value);
  }
}

function describeRequirement(requirement: Requirement): string {
  if (requirement.scopes.length === 0) return 'authentication';
  return requirement.scopes.map((all) => `scope ${all.join(' and ')}`).join(' or ');
}

function authorizationError(removal: Removal, caller: Caller, status?: number): GraphQLError {
  const anonymous = caller.role === 'PUBLIC';
  const code = anonymous ? 'UNAUTHENTICATED' : 'FORBIDDEN';
  return new GraphQLError(
    `Not authorized to read ${removal.coordinate} at ${removal.path.join('.')}: it requires ${describeRequirement(removal.requirement)}` +
      (anonymous ? '; send a bearer token or an API key' : `, which the ${caller.role} caller does not have`),
    {
      extensions: {
        code,
        field: removal.coordinate,
        fieldPath: removal.path.join('.'),
        ...(status ? { http: { status } } : {}),
      },
    },
  );
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
  const removalsByRequest = new WeakMap<object, { removals: Removal[]; caller: Caller }>();

  return {
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext: GraphQLRequestContext<AuthorizationContext>) {
          const caller = requestContext.contextValue.caller;
          if (!caller || !requestContext.document) return;
          const { document, removals, scopesUsed } = filterOperation(
            requestContext.schema,
            requestContext.document,
            requestContext.operationName,
            requirements,
            caller,
          );
          requestContext.contextValue.authorization = { scopesUsed, deniedFields: removals.map((r) => r.coordinate) };
          if (removals.length === 0) return;
          if (mode === 'reject') throw authorizationError(removals[0]!, caller, caller.role === 'PUBLIC' ? 401 : 403);
          const mutable = requestContext as { -readonly [K in keyof typeof requestContext]: (typeof requestContext)[K] };
          mutable.document = document;
          mutable.operation = getOperationAST(document, requestContext.operationName) ?? undefined;
          // The gateway caches query plans by query hash: a filtered operation must not share
          // its plan with the unfiltered one.
          mutable.queryHash = createHash('sha256')
            .update(`${requestContext.queryHash}|${print(document)}`)
            .digest('hex');
          removalsByRequest.set(requestContext.request, { removals, caller });
        },
        async willSendResponse(requestContext) {
          const entry = removalsByRequest.get(requestContext.request);
          if (!entry || requestContext.response.body.kind !== 'single') return;
          const result = requestContext.response.body.singleResult;
          if (result.data) {
            for (const removal of entry.removals) nullAt(result.data, removal.path);
            dropPlaceholders(result.data);
          }
          const errors = entry.removals.map((removal) => authorizationError(removal, entry.caller));
          result.errors = [...(result.errors ?? []), ...errors.map((error) => error.toJSON())];
        },
      };
    },
  };
}

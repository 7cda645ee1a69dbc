// Where the fields authorization removes would have been in the answer, and what their absence
// does to it. Two passes, both linear:
//   - `planRemovals` walks the operation once, each fragment once (memoised by name: its type
//     condition fixes the type its fields are read on), and returns a plan of the same size as
//     the document: per selection set, the fields removed there, the kept fields below which
//     something is removed, and the fragments selected on the same object. A fragment spread
//     twice, forty levels deep, is planned forty-one times, not 2^40.
//   - `applyRemovals` walks the answer with the plan, applying each plan at most once per
//     object of the answer, and puts `null` where a removed field would be, as GraphQL
//     execution does for a field error (GraphQL spec, "Handling Field Errors"): a removed
//     non-null field nulls its nearest nullable parent (a list item, a field, or `data` itself).
import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getDirectiveValues,
  getNamedType,
  getVariableValues,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { fragmentsByName } from './operation.ts';
import type { WorkCounter } from './limits.ts';

/** Where null stops on the way up from a field: its own type, then each list level's items. */
export interface Nullability {
  /** The field's type is non-null: its null goes up to the object holding it. */
  nonNull: boolean;
  /** For each list level of the field's type, outermost first: its items are non-null. */
  itemsNonNull: boolean[];
}

export interface Removal<Reason = unknown> extends Nullability {
  /** `Type.field` of the removed field. */
  coordinate: string;
  /** Response key (alias or name). */
  key: string;
  reason: Reason;
  /** Response keys from the root, where the field was first met in the operation (lists walked through). */
  path: string[];
}

/** The removals of one selection set and below. */
export interface RemovalPlan<Reason = unknown> {
  /** The type condition the plan applies under; undefined: the parent's own type. */
  typeCondition?: GraphQLCompositeType;
  removed: Removal<Reason>[];
  children: { key: string; nullability: Nullability; plan: RemovalPlan<Reason> }[];
  /** Fragments (named or inline) selected on the same object that remove something. */
  fragments: RemovalPlan<Reason>[];
}

export interface PlannedRemovals<Reason> {
  /** Undefined when nothing is removed. */
  plan?: RemovalPlan<Reason>;
  /** Every removal once (a fragment's once, however often it is spread). */
  removals: Removal<Reason>[];
}

function nullabilityOf(type: GraphQLOutputType): Nullability {
  const nonNull = isNonNullType(type);
  const itemsNonNull: boolean[] = [];
  let current = nonNull ? type.ofType : type;
  while (isListType(current)) {
    const item: GraphQLOutputType = current.ofType;
    itemsNonNull.push(isNonNullType(item));
    current = isNonNullType(item) ? item.ofType : item;
  }
  return { nonNull, itemsNonNull };
}

/** False when `@skip`/`@include` leave the selection out for these variables (unknown: kept, worst case). */
function included(node: SelectionNode, variables: Record<string, unknown>): boolean {
  if (!node.directives?.length) return true;
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  } catch {
    return true; // a variable missing or of the wrong type: execution refuses it later
  }
}

export interface PlanOptions {
  /** The request's variables, for `@skip(if: $v)` and `@include(if: $v)`. */
  variables?: Record<string, unknown>;
  work?: WorkCounter;
}

/**
 * Plans the removals of `operation`: `reasonFor(parent, field)` says why a field may not be
 * read (undefined: it may), `onKept(parent, field)` is told of every field that stays.
 * Selections that `@skip`/`@include` leave out are left out here too: execution would not
 * reach them. Time linear in the document; safe on fragment cycles (not followed).
 */
export function planRemovals<Reason>(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  reasonFor: (parent: GraphQLCompositeType, field: string) => Reason | undefined,
  onKept: (parent: GraphQLCompositeType, field: string) => void = () => {},
  { variables: sent = {}, work = { selections: 0 } }: PlanOptions = {},
): PlannedRemovals<Reason> {
  // As execution reads them: the operation's default values fill the variables not sent.
  // Values execution will refuse are left as sent (`included` then keeps the selection).
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], sent, { maxErrors: 1 });
  const variables = coerced.coerced ?? sent;
  const fragments = fragmentsByName(document);
  const planned = new Map<string, RemovalPlan<Reason> | null>();
  const visiting = new Set<string>();
  const removals: Removal<Reason>[] = [];

  const compositeNamed = (name: string | undefined): GraphQLCompositeType | undefined => {
    const type = name === undefined ? undefined : schema.getType(name);
    return type && isCompositeType(type) ? type : undefined;
  };

  const plan = (
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    path: string[],
    typeCondition?: GraphQLCompositeType,
  ): RemovalPlan<Reason> | undefined => {
    const result: RemovalPlan<Reason> = { typeCondition, removed: [], children: [], fragments: [] };
    for (const selection of selectionSet.selections) {
      work.selections += 1;
      if (!included(selection, variables)) continue;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const key = selection.alias?.value ?? name;
        const definition = 'getFields' in parent ? parent.getFields()[name] : undefined;
        const reason = reasonFor(parent, name);
        if (reason !== undefined) {
          const removal: Removal<Reason> = {
            coordinate: `${parent.name}.${name}`,
            key,
            reason,
            path: [...path, key],
            ...(definition ? nullabilityOf(definition.type) : { nonNull: false, itemsNonNull: [] }),
          };
          result.removed.push(removal);
          removals.push(removal);
          continue;
        }
        onKept(parent, name);
        const child = definition ? getNamedType(definition.type) : undefined;
        if (!selection.selectionSet || !definition || !isCompositeType(child)) continue;
        const below = plan(selection.selectionSet, child, [...path, key]);
        if (below) result.children.push({ key, nullability: nullabilityOf(definition.type), plan: below });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? compositeNamed(selection.typeCondition.name.value) : undefined;
        const below = plan(selection.selectionSet, condition ?? parent, path, condition);
        if (below) result.fragments.push(below);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A fragment cycle is refused by validation; never follow one regardless.
        if (!fragment || visiting.has(name)) continue;
        if (!planned.has(name)) {
          const condition = compositeNamed(fragment.typeCondition.name.value);
          visiting.add(name);
          planned.set(name, condition ? (plan(fragment.selectionSet, condition, path, condition) ?? null) : null);
          visiting.delete(name);
        }
        const below = planned.get(name);
        if (below) result.fragments.push(below);
      }
    }
    const empty = result.removed.length === 0 && result.children.length === 0 && result.fragments.length === 0;
    return empty ? undefined : result;
  };

  const root = schema.getRootType(operation.operation);
  return { plan: root ? plan(operation.selectionSet, root, []) : undefined, removals };
}

/** A place in the answer where a removed field would have been: its standard GraphQL `path`. */
export type Located<Reason> = (removal: Removal<Reason>, path: (string | number)[]) => void;

/**
 * Applies `plan` to `data` (changed in place): `null` where each removed field would be, and
 * up to its nearest nullable parent when the field is non-null. `located` is told of every
 * place a removal was applied. Returns the new `data`: `null` when the null reached the root.
 * Objects of an abstract type are matched to fragments by their `__typename` or by
 * `typenameKey` (the filtered operation selects it there).
 */
export function applyRemovals<Reason>(
  schema: GraphQLSchema,
  data: Record<string, unknown>,
  plan: RemovalPlan<Reason>,
  located: Located<Reason>,
  typenameKey: string,
): Record<string, unknown> | null {
  const applied = new WeakMap<object, Set<RemovalPlan<Reason>>>();

  const appliesTo = (candidate: RemovalPlan<Reason>, object: Record<string, unknown>): boolean => {
    const condition = candidate.typeCondition;
    if (!condition) return true;
    const typename = object[typenameKey] ?? object.__typename;
    if (typeof typename !== 'string' || typename === condition.name) return true;
    const type = schema.getType(typename);
    return isAbstractType(condition) && isObjectType(type) && schema.isSubType(condition, type);
  };

  // True when `object` must become null: a non-null field in it is null.
  const intoObject = (object: Record<string, unknown>, current: RemovalPlan<Reason>, path: (string | number)[]): boolean => {
    let seen = applied.get(object);
    if (!seen) applied.set(object, (seen = new Set()));
    if (seen.has(current) || !appliesTo(current, object)) return false;
    seen.add(current);
    let nulled = false;
    for (const removal of current.removed) {
      located(removal, [...path, removal.key]);
      if (removal.nonNull) nulled = true;
      else object[removal.key] = null;
    }
    for (const child of current.children) {
      const value = object[child.key];
      if (value === null || value === undefined) continue;
      if (!intoValue(value, child.nullability.itemsNonNull, 0, child.plan, [...path, child.key])) continue;
      if (child.nullability.nonNull) nulled = true;
      else object[child.key] = null;
    }
    for (const fragment of current.fragments) {
      if (intoObject(object, fragment, path)) nulled = true;
    }
    return nulled;
  };

  // True when `value` must become null.
  const intoValue = (value: unknown, itemsNonNull: boolean[], level: number, current: RemovalPlan<Reason>, path: (string | number)[]): boolean => {
    if (level === itemsNonNull.length) {
      return typeof value === 'object' && value !== null && intoObject(value as Record<string, unknown>, current, path);
    }
    if (!Array.isArray(value)) return false;
    let nulled = false;
    value.forEach((item, index) => {
      if (item === null || item === undefined || nulled) return;
      if (!intoValue(item, itemsNonNull, level + 1, current, [...path, index])) return;
      if (itemsNonNull[level]) nulled = true;
      else value[index] = null;
    });
    return nulled;
  };

  return intoObject(data, plan, []) ? null : data;
}

/**
 * Deletes `key` from every object in an answer's data, in place (one pass over it): the
 * placeholder fields the gateway adds to keep a rewritten selection set valid.
 */
export function dropKeyEverywhere(data: unknown, key: string): void {
  if (Array.isArray(data)) {
    for (const item of data) dropKeyEverywhere(item, key);
  } else if (data && typeof data === 'object') {
    const record = data as Record<string, unknown>;
    delete record[key];
    for (const value of Object.values(record)) dropKeyEverywhere(value, key);
  }
}

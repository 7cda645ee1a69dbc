// @skip and @include decided at the gateway, before the query planner sees the operation.
//
// Why: @apollo/query-planner (2.x, also the router's Rust planner: apollographql/router#9849)
// merges a conditional field's @requires inputs with an unconditional sibling's and gates them
// both behind the condition. Here `finance @include(if: $x)` and the comprehensive `evaluation`
// both need the registry's `creditRecordStates`; with `$x = false` the planner leaves them
// out of the registry fetch, the finance entity fetch for the evaluation's inputs is skipped
// (its representation is incomplete) and `evaluation` is null, with no error. Deciding the
// conditions first (the request's variables are known) gives the planner an operation without
// any, whose plan cannot gate anything. GraphQL's own semantics (spec §3.13.2, §3.13.3) are
// kept: a left-out selection is absent from the answer, an included one is as if unmarked.
import { createHash } from 'node:crypto';
import type { ApolloGateway } from '@apollo/gateway';
import {
  getDirectiveValues,
  getOperationAST,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  visit,
  GraphQLError,
  type DocumentNode,
  type GraphQLDirective,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import { fragmentsByName } from '../trust/operation.ts';
import { dropKeyEverywhere } from '../trust/removal-plan.ts';

type Executor = ApolloGateway['executor'];
type RequestContext = Parameters<Executor>[0];

/** Alias of the `__typename` that keeps a selection set emptied by its conditions valid; dropped from the answer. */
export const CONDITION_PLACEHOLDER = '__condition_placeholder';

export interface InlinedConditions {
  document: DocumentNode;
  /** One character per decided condition, in document order: `1` kept, `0` left out (keys the plan cache). */
  decisions: string;
  /** True when an emptied selection set got a CONDITION_PLACEHOLDER field. */
  placeholders: boolean;
}

const isCondition = (name: string) => name === 'skip' || name === 'include';

/**
 * `document` with every @skip/@include decided for `variables` (already coerced, defaults
 * applied): left-out selections removed, the directives of kept ones dropped, in the
 * operation and in every fragment (one linear pass, plus one over emptied selection sets).
 * Returns undefined when the document carries no condition. Throws GraphQLError when a
 * condition's value is missing or not a Boolean (the caller then leaves the request as sent,
 * for the gateway's own validation to refuse).
 */
export function inlineConditions(document: DocumentNode, variables: Record<string, unknown>): InlinedConditions | undefined {
  let decisions = '';
  let emptied = false;
  /** The selection as decided: unchanged (no condition), without its conditions, or null (left out). */
  const decide = (node: SelectionNode): SelectionNode | null => {
    if (!node.directives?.some((directive) => isCondition(directive.name.value))) return node;
    const skip = conditionValue(GraphQLSkipDirective, node, variables) === true;
    const include = conditionValue(GraphQLIncludeDirective, node, variables) !== false;
    const kept = !skip && include;
    decisions += kept ? '1' : '0';
    return kept ? { ...node, directives: node.directives.filter((directive) => !isCondition(directive.name.value)) } : null;
  };
  // Decided a selection set at a time (one pass over its selections, then into the kept
  // ones): removing items one by one from a long list would cost a copy per removal.
  const decided = visit(document, {
    SelectionSet(node) {
      const selections: SelectionNode[] = [];
      let changed = false;
      for (const selection of node.selections) {
        const kept = decide(selection);
        if (kept !== selection) changed = true;
        if (kept) selections.push(kept);
      }
      if (!changed) return undefined;
      if (selections.length === 0) {
        emptied = true;
        selections.push({ kind: Kind.FIELD, alias: { kind: Kind.NAME, value: CONDITION_PLACEHOLDER }, name: { kind: Kind.NAME, value: '__typename' } });
      }
      return { ...node, selections };
    },
  });
  return decisions === '' ? undefined : { document: decided, decisions, placeholders: emptied };
}

/** The `if` of a @skip or @include on `node` (undefined without one); throws GraphQLError without a Boolean value. */
function conditionValue(directive: GraphQLDirective, node: SelectionNode, variables: Record<string, unknown>): boolean | undefined {
  const value = getDirectiveValues(directive, node, variables)?.if;
  if (value === undefined || typeof value === 'boolean') return value;
  throw new GraphQLError(`@${directive.name}(if:) needs a Boolean, got ${typeof value}`);
}

/**
 * `document` cut to `operation` and the fragments it spreads (directly or through other
 * fragments): the conditions of another operation name variables this request need not send,
 * and one left undecided would bring the planner's mishandling back for the whole request.
 * Each fragment is visited once (linear in the document).
 */
export function operationDocument(document: DocumentNode, operation: OperationDefinitionNode): DocumentNode {
  const fragments = fragmentsByName(document);
  const reached = new Set<string>();
  const pending: (OperationDefinitionNode | DocumentNode['definitions'][number])[] = [operation];
  const visitor = {
    FragmentSpread(node: { name: { value: string } }) {
      const name = node.name.value;
      const fragment = fragments.get(name);
      if (fragment && !reached.has(name)) {
        reached.add(name);
        pending.push(fragment);
      }
    },
  };
  for (let next = pending.pop(); next; next = pending.pop()) visit(next, visitor);
  const definitions = document.definitions.filter(
    (definition) => definition === operation || (definition.kind === Kind.FRAGMENT_DEFINITION && reached.has(definition.name.value)),
  );
  return definitions.length === document.definitions.length ? document : { ...document, definitions };
}

/** Whether `source` may hold a condition: GraphQL lets whitespace, commas and comments stand between `@` and the name, so the names are looked for alone. */
function mayHoldConditions(source: string): boolean {
  return source.includes('skip') || source.includes('include');
}

/**
 * Wraps @apollo/gateway's executor so that it plans operations with their @skip/@include
 * already decided (see the file comment). `schema()` is the API schema the variables are
 * coerced against. Requests without conditions (most: a text search for `skip`/`include`
 * rules them out) and requests whose variables do not coerce go through unchanged; the
 * operation is planned alone, with the fragments it spreads (operationDocument). The
 * rewritten operation's plan is cached under the original query hash plus the decisions.
 */
export function withInlinedConditions(executor: Executor, schema: () => GraphQLSchema | undefined): Executor {
  return async (requestContext) => {
    const { document, source, request, queryHash } = requestContext;
    const apiSchema = schema();
    if (!apiSchema || (source !== undefined && !mayHoldConditions(source))) return executor(requestContext);
    const operation = getOperationAST(document, request.operationName);
    if (!operation) return executor(requestContext);
    const coerced = getVariableValues(apiSchema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 1 });
    if (!coerced.coerced) return executor(requestContext);
    let inlined: InlinedConditions | undefined;
    try {
      inlined = inlineConditions(operationDocument(document, operation), coerced.coerced);
    } catch {
      return executor(requestContext);
    }
    if (!inlined) return executor(requestContext);
    const decided: RequestContext = {
      ...requestContext,
      document: inlined.document,
      operation: getOperationAST(inlined.document, request.operationName) ?? operation,
      queryHash: createHash('sha256').update(`${queryHash}|conditions:${inlined.decisions}`).digest('hex'),
    };
    const result = await executor(decided);
    if (inlined.placeholders) dropKeyEverywhere(result.data, CONDITION_PLACEHOLDER);
    return result;
  };
}

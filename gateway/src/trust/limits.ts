// Limits: how big an operation may be. Two gates, both before query planning:
//
// 1. `parseOptions.maxTokens` (give it to ApolloServer): graphql-js stops parsing a document
//    past this many tokens, so a 10,000-field query costs a bounded lexer run and never
//    reaches validation. graphql-js reports it as a syntax error, which Apollo Server answers
//    with GRAPHQL_PARSE_FAILED (400): "Syntax Error: Document contains more that (sic) 5000 tokens.
//    Parsing aborted."
// 2. `plugin` (give it to ApolloServer's plugins): at didResolveOperation, after validation,
//    it measures depth, aliases, root fields, fragment expansion and cost, and refuses the
//    first limit exceeded with QUERY_TOO_COMPLEX (400) and extensions { measure, limit, value }.
//    It must run before every other pass over the operation (authorization's rewrite, consent,
//    planning): app.ts puts it first and runs didResolveOperation hooks in order (in-order.ts),
//    so nothing is rewritten or planned for an operation over a limit.
//
// Why a plugin and not graphql-js validationRules: Apollo Server wraps every validation error
// in its own ValidationError, replacing the code with GRAPHQL_VALIDATION_FAILED; validation
// rules do not see the variables, so the cost of `enterprises(usccs: $usccs)` (a portfolio of
// up to 500) could not be measured; and they run alongside graphql-js's own rules, so they
// cannot stop anything earlier than the plugin does.
//
// Cost: the estimated number of field values the gateway resolves. Every field costs 1; a
// field returning a list multiplies the cost of its sub-selection by the list's estimated size:
//   - its `first`/`last` argument (the value sent, else the schema default: `workers(first: Int = 20)`),
//   - else the length of a list argument (`enterprises(usccs: [...])`, literal or variable),
//   - else a size handed down by its parent (a connection `searchEnterprises(first: 50)` sizes
//     its `edges`),
//   - else DEFAULT_LIST_SIZE.
// A field the planner fetches more for than the client asked (`@requires`: `evaluation` needs
// every sector's evaluation input, each sector's profile the registry's record states) also
// costs what it requires, measured the same way: the work is real, only hidden from the client.
// Not counted, `evaluation` over a portfolio of 500 cost 1,501 and took 3.1 s: 166 of them fitted
// in the in-process admission budget at once (a reviewer's attack).
// A size is never more than the argument's `@bounds` (max, maxItems) in the supergraph: the
// subgraph refuses a larger value before it resolves anything, so `first: 333332` under
// `@bounds(max: 100)` is work for 100 at most. Sized by the value sent, such an operation held
// a third of admission's budget (admission.ts) until the subgraph refused it, and 150 of them
// at once slowed a bank's concurrent check from 12 ms to 1.35 s (a reviewer's attack).
// Fragment expansion: the number of fields the operation would have if every fragment spread
// were replaced by the fragment's fields. A fragment that spreads another twice, forty levels
// deep, is 1.5 KB of text and 2^40 fields once expanded; every later pass (authorization,
// planning, the answer) would pay for the expansion, so it is bounded here. Unlike cost it
// ignores list sizes, so `first: 0` cannot hide a bomb.
// Fragments are measured once each (memoised), so measuring a fragment "bomb" that spreads
// fragments into fragments costs time linear in the document, however large the expansion.
// @skip/@include are ignored: worst case.
// Introspection fields count like any other (graphql-js's own MaxIntrospectionDepthRule
// already refuses a circular introspection query, types -> fields -> type -> fields ...).
import type { ApolloServerPlugin, BaseContext, GraphQLRequest } from '@apollo/server';
import {
  buildASTSchema,
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isListType,
  Kind,
  parse,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { fragmentsByName, variablesWithDefaults } from './operation.ts';
import { argumentBounds, creditGraphError, type InputBounds } from '@credit-graph/contract';
import { ConfigError } from '../config.ts';

/**
 * GraphiQL's introspection query (the playground's) is 15 deep: `__schema types fields args
 * type`, then `ofType` nested 9 times, then `name`. The deepest playground example (the bank
 * check, through supply-chain partners into their sector ratings) is 7; the portfolio check 5.
 */
export const DEFAULT_MAX_DEPTH = 15;
export const DEFAULT_MAX_ALIASES = 30;
/** Every playground example selects one root field; ten separate lookups is already a lot. */
export const DEFAULT_MAX_ROOT_FIELDS = 10;
/**
 * Measured on this graph: the bank example 940, the portfolio check (tests/credit-check) over
 * 500 codes (the registry's maximum) 259,501, the bank example's full cross-sector selection
 * over 500 codes 837,501 (what their fields @require counted, supergraphCostModel), GraphiQL's
 * introspection query about 52,000.
 */
export const DEFAULT_MAX_COST = 1_000_000;
/**
 * Fields once fragments are inlined. GraphiQL's introspection query (fragments FullType,
 * InputValue, TypeRef) expands to 227 fields, the largest playground example to 32; a
 * document of 5,000 tokens without fragments has fewer than 5,000.
 */
export const DEFAULT_MAX_FRAGMENT_EXPANSION = 5_000;
/**
 * The bank example is 206 tokens, GraphiQL's introspection query 184, a portfolio check with
 * 500 literal codes 649; 1,000 aliased fields are about 3,000.
 */
export const DEFAULT_MAX_TOKENS = 5_000;
/** Estimated size of a list whose size no argument tells. */
export const DEFAULT_LIST_SIZE = 10;
const SIZE_ARGUMENTS = new Set(['first', 'last']);

export interface LimitsOptions {
  maxDepth?: number;
  maxAliases?: number;
  maxRootFields?: number;
  maxCost?: number;
  maxFragmentExpansion?: number;
  maxTokens?: number;
  defaultListSize?: number;
}

/** The declared bounds of field arguments by schema coordinate, `Query.searchEnterprises(first:)` (argumentBounds, @credit-graph/contract). */
export type ArgumentBounds = ReadonlyMap<string, InputBounds>;

/** What the supergraph tells the cost estimate beyond the API schema. */
export interface CostModel {
  /** Declared argument bounds: list sizes are estimated within them. */
  argumentBounds?: ArgumentBounds;
  /** The cost of what a field `@requires`, by field coordinate (`Enterprise.evaluation`): added to the field's own. */
  requiredCosts?: ReadonlyMap<string, number>;
}

/**
 * The cost model of a supergraph: its arguments' `@bounds` (composed with @composeDirective) and,
 * for every field whose `@join__field` names `requires`, the cost of that field set, each list in
 * it counted at `defaultListSize` (the most of any subgraph that requires it).
 * In: supergraph SDL. Throws graphql-js's GraphQLError on text that does not parse.
 */
export function supergraphCostModel(supergraphSdl: string, defaultListSize = DEFAULT_LIST_SIZE): CostModel {
  const document = parse(supergraphSdl, { noLocation: true });
  const schema = buildASTSchema(document, { assumeValidSDL: true });
  const requiredCosts = new Map<string, number>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const type = schema.getType(definition.name.value);
    if (!type || !isCompositeType(type)) continue;
    for (const field of definition.fields ?? []) {
      for (const directive of field.directives ?? []) {
        if (directive.name.value !== 'join__field') continue;
        const requires = directive.arguments?.find((argument) => argument.name.value === 'requires')?.value;
        if (requires?.kind !== Kind.STRING) continue;
        // Measured as the client's own selections are: the field set as a fragment on its type.
        const required = parse(`{ ...Required } fragment Required on ${type.name} { ${requires.value} }`, { noLocation: true });
        const { cost } = measureOperation(schema, required, getOperationAST(required)!, {}, { defaultListSize });
        const coordinate = `${type.name}.${field.name.value}`;
        requiredCosts.set(coordinate, Math.max(requiredCosts.get(coordinate) ?? 0, cost));
      }
    }
  }
  return { argumentBounds: argumentBounds(document), requiredCosts };
}

export type Measure = 'depth' | 'aliases' | 'rootFields' | 'fragmentExpansion' | 'cost';
export type OperationMeasures = Record<Measure, number>;

export interface Limits {
  /** The normalised limits in force. */
  limits: Required<LimitsOptions>;
  /** For ApolloServer's `parseOptions`: the token cap applied while parsing. */
  parseOptions: { maxTokens: number };
  /** For ApolloServer's `plugins`: refuses an operation over a limit, before planning. */
  plugin: ApolloServerPlugin<BaseContext>;
  /** The cost the plugin measured for a request's operation within the limits (admission.ts), if any. */
  costOf(request: GraphQLRequest): number | undefined;
}

const DESCRIBE: Record<Measure, (value: number, limit: number) => string> = {
  depth: (value, limit) => `Query depth ${value} exceeds the limit of ${limit}`,
  aliases: (value, limit) => `Query uses ${value} aliases; the limit is ${limit}`,
  rootFields: (value, limit) => `Query selects ${value} root fields; the limit is ${limit}`,
  fragmentExpansion: (value, limit) =>
    `Query expands to ${value} fields once its fragments are inlined; the limit is ${limit}: spread each fragment fewer times`,
  cost: (value, limit) =>
    `Query cost ${value} exceeds the limit of ${limit} (every field costs 1, times the size of each list above it): ` +
    'select fewer fields, fewer nested lists or smaller pages',
};

/**
 * The limits plugin and parse options. `model`: what the supergraph tells the cost estimate
 * (supergraphCostModel): the arguments' bounds and the costs of `@requires`.
 * Throws ConfigError on a limit that is not a positive (or, for aliases, non-negative) integer.
 */
export function createLimits(options: LimitsOptions = {}, model: CostModel = {}): Limits {
  const limits: Required<LimitsOptions> = {
    maxDepth: positiveInteger('maxDepth', options.maxDepth ?? DEFAULT_MAX_DEPTH),
    maxAliases: positiveInteger('maxAliases', options.maxAliases ?? DEFAULT_MAX_ALIASES, true),
    maxRootFields: positiveInteger('maxRootFields', options.maxRootFields ?? DEFAULT_MAX_ROOT_FIELDS),
    maxCost: positiveInteger('maxCost', options.maxCost ?? DEFAULT_MAX_COST),
    maxFragmentExpansion: positiveInteger('maxFragmentExpansion', options.maxFragmentExpansion ?? DEFAULT_MAX_FRAGMENT_EXPANSION),
    maxTokens: positiveInteger('maxTokens', options.maxTokens ?? DEFAULT_MAX_TOKENS),
    defaultListSize: positiveInteger('defaultListSize', options.defaultListSize ?? DEFAULT_LIST_SIZE),
  };
  // Checked in this order: the expansion before the counts it multiplies (aliases, root fields).
  const maxima: Record<Measure, number> = {
    depth: limits.maxDepth,
    fragmentExpansion: limits.maxFragmentExpansion,
    aliases: limits.maxAliases,
    rootFields: limits.maxRootFields,
    cost: limits.maxCost,
  };

  const costs = new WeakMap<GraphQLRequest, number>();
  return {
    limits,
    parseOptions: { maxTokens: limits.maxTokens },
    costOf: (request) => costs.get(request),
    plugin: {
      async requestDidStart() {
        return {
          async didResolveOperation({ schema, document, operation, request }) {
            if (!document || !operation) return;
            const measured = measureOperation(schema, document, operation, request.variables ?? {}, { defaultListSize: limits.defaultListSize, ...model });
            for (const measure of Object.keys(maxima) as Measure[]) {
              // A bomb's expansion can pass 2^53 (or reach Infinity): report a number JSON keeps.
              const value = Math.min(measured[measure], Number.MAX_SAFE_INTEGER);
              const limit = maxima[measure];
              // `!(value <= limit)`: NaN, should a measure ever be one, is refused too.
              if (!(value <= limit)) {
                throw creditGraphError('QUERY_TOO_COMPLEX', DESCRIBE[measure](value, limit), { measure, limit, value });
              }
            }
            costs.set(request, measured.cost);
          },
        };
      },
    },
  };
}

function positiveInteger(name: string, value: number, zeroAllowed = false): number {
  if (!Number.isSafeInteger(value) || value < (zeroAllowed ? 0 : 1)) {
    throw new ConfigError(`Limit ${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} integer, got ${value}`);
  }
  return value;
}

interface Tally {
  depth: number;
  aliases: number;
  /** Fields selected at this level (through fragments): the root field count at the top. */
  fields: number;
  /** Fields at every level below, fragments inlined. */
  expansion: number;
  cost: number;
}

/** Counts the work of a pass over an operation: selections (fields, spreads, inline fragments) examined. */
export interface WorkCounter {
  selections: number;
}

export interface MeasureOptions {
  /** The size of a list no argument sizes (DEFAULT_LIST_SIZE). */
  defaultListSize?: number;
  /** Declared argument bounds capping the sizes arguments give (none by default). */
  argumentBounds?: ArgumentBounds;
  /** What fields `@requires` costs, by field coordinate (none by default). */
  requiredCosts?: ReadonlyMap<string, number>;
  /** Counts the selections examined (tests of linear time). */
  work?: WorkCounter;
}

/**
 * Measures one operation of a document; `sent`: the variables as the client sent them (the
 * operation's default values fill those not sent). Time linear in
 * the document (each fragment measured once per list size handed to it), whatever the
 * expansion; safe on a document with fragment cycles (not recursed into).
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  sent: Record<string, unknown>,
  options: MeasureOptions = {},
): OperationMeasures {
  const { defaultListSize = DEFAULT_LIST_SIZE, argumentBounds = new Map<string, InputBounds>(), requiredCosts = new Map<string, number>(), work = { selections: 0 } } = options;
  const variables = variablesWithDefaults(operation, sent);
  const fragments = fragmentsByName(document);
  const memo = new Map<string, Tally>();
  const visiting = new Set<string>();

  const valueOf = (node: ValueNode): unknown =>
    node.kind === Kind.VARIABLE
      ? variables[node.name.value]
      : node.kind === Kind.INT
        ? Number(node.value)
        : node.kind === Kind.LIST
          ? node.values
          : undefined;

  // The size a field's own arguments give its list, if any, within the arguments' bounds.
  function sizeFromArguments(node: FieldNode, parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>): number | undefined {
    let listLength: number | undefined;
    for (const argument of field.args) {
      const sent = node.arguments?.find((a) => a.name.value === argument.name);
      const value = (sent && valueOf(sent.value)) ?? argument.defaultValue;
      const bounds = argumentBounds.size > 0 ? argumentBounds.get(`${parent.name}.${field.name}(${argument.name}:)`) : undefined;
      // A size is a whole number: JSON's 1e400 is Infinity (and 0 × Infinity is NaN, which no
      // limit refuses), 0.5 is no size. Anything larger than a safe integer counts as the largest
      // one, so the cost limit refuses it; graphql-js refuses the value itself later.
      if (SIZE_ARGUMENTS.has(argument.name) && typeof value === 'number' && value >= 0) {
        return Math.min(Math.ceil(value), bounds?.max ?? Number.MAX_SAFE_INTEGER);
      }
      if (isListType(getNullableType(argument.type)) && value !== undefined && value !== null) {
        // A single value given for a list argument is coerced to a list of one.
        const length = Math.min(Array.isArray(value) ? value.length : 1, bounds?.maxItems ?? Number.MAX_SAFE_INTEGER);
        listLength = Math.max(listLength ?? 0, length);
      }
    }
    return listLength;
  }

  function fieldOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    if (parent === schema.getQueryType()) {
      if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
      if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    }
    return 'getFields' in parent ? parent.getFields()[name] : undefined;
  }

  function typeNamed(name: string | undefined, fallback: GraphQLCompositeType): GraphQLCompositeType | undefined {
    if (name === undefined) return fallback;
    const type = schema.getType(name);
    return type && isCompositeType(type) ? type : undefined;
  }

  function add(into: Tally, part: Tally): void {
    into.depth = Math.max(into.depth, part.depth);
    into.aliases += part.aliases;
    into.fields += part.fields;
    into.expansion += part.expansion;
    into.cost += part.cost;
  }

  // `handedSize`: a size the parent field's arguments give the lists directly below it.
  function tally(selectionSet: SelectionSetNode, parent: GraphQLCompositeType, handedSize: number | undefined): Tally {
    const total: Tally = { depth: 0, aliases: 0, fields: 0, expansion: 0, cost: 0 };
    for (const selection of selectionSet.selections) {
      work.selections += 1;
      if (selection.kind === Kind.FIELD) {
        total.fields += 1;
        if (selection.alias) total.aliases += 1;
        const field = fieldOf(parent, selection.name.value);
        const type = field && getNamedType(field.type);
        // What the planner fetches for this field beyond what the client selected (@requires).
        const required = requiredCosts.size > 0 && field ? (requiredCosts.get(`${parent.name}.${field.name}`) ?? 0) : 0;
        if (!selection.selectionSet || !field || !type || !isCompositeType(type)) {
          add(total, { depth: 1, aliases: 0, fields: 0, expansion: 1, cost: 1 + required });
          continue;
        }
        const isList = isListType(getNullableType(field.type));
        const ownSize = sizeFromArguments(selection, parent, field);
        const child = tally(selection.selectionSet, type, isList ? undefined : ownSize);
        const size = isList ? (ownSize ?? handedSize ?? defaultListSize) : 1;
        add(total, { depth: 1 + child.depth, aliases: child.aliases, fields: 0, expansion: 1 + child.expansion, cost: 1 + required + size * child.cost });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = typeNamed(selection.typeCondition?.name.value, parent);
        if (type) add(total, tally(selection.selectionSet, type, handedSize));
      } else {
        const name = selection.name.value;
        const key = `${name}|${handedSize ?? ''}`;
        const fragment = fragments.get(name);
        // A fragment cycle is refused by validation; never recurse into one regardless.
        if (!fragment || visiting.has(key)) continue;
        let part = memo.get(key);
        if (!part) {
          const type = typeNamed(fragment.typeCondition.name.value, parent);
          if (!type) continue;
          visiting.add(key);
          part = tally(fragment.selectionSet, type, handedSize);
          visiting.delete(key);
          memo.set(key, part);
        }
        add(total, part);
      }
    }
    return total;
  }

  const root = schema.getRootType(operation.operation);
  if (!root) return { depth: 0, aliases: 0, rootFields: 0, fragmentExpansion: 0, cost: 0 };
  const { depth, aliases, fields, expansion, cost } = tally(operation.selectionSet, root, undefined);
  return { depth, aliases, rootFields: fields, fragmentExpansion: expansion, cost };
}

// Query plans of the checked-in supergraph, built with the planner @apollo/gateway uses: no fetch
// may ask a subgraph for a field it does not resolve (one it only declares @external, or does
// not have). The nested @requires that once did (the evaluation requiring sector signals that
// themselves required the registry's record states) made the planner ask the sector subgraph
// an Enterprise came from for `creditRecordStates`; the sector refused it as a closed field and
// the whole answer above the enterprise was lost. Every field of the API that returns an
// Enterprise is planned here, reached from its root, with every Enterprise field selected.
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { operationFromDocument, Supergraph, type Schema as FederationSchema } from '@apollo/federation-internals';
import { QueryPlanner, type PlanNode, type QueryPlan, type SubscriptionNode } from '@apollo/query-planner';
import {
  getNamedType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  parse,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
  type SelectionSetNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { SUPERGRAPH_PATH } from '../src/manifest.ts';

/**
 * The supergraph as the gateway hands it to @apollo/gateway: the authorization features it
 * enforces itself lose `for: SECURITY` (see the gateway's supergraph preparation).
 */
function loadSupergraph(sdl: string): Supergraph {
  return Supergraph.build(sdl.replace(/(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v[\d.]+"), for: SECURITY\)/g, '$1)'));
}

interface Violation {
  service: string;
  field: string;
  problem: 'external' | 'unknown';
}

/** Every field a fetch of `plan` selects that its subgraph only declares @external, or lacks. */
function unresolvableFetchFields(supergraph: Supergraph, plan: QueryPlan): Violation[] {
  const violations: Violation[] = [];
  const subgraphs = supergraph.subgraphs();
  const visitSelections = (service: string, schema: FederationSchema, typeName: string, set: SelectionSetNode) => {
    const subgraph = subgraphs.get(service)!;
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        visitSelections(service, schema, selection.typeCondition?.name.value ?? typeName, selection.selectionSet);
        continue;
      }
      if (selection.kind !== Kind.FIELD || selection.name.value === '__typename') continue;
      const type = schema.type(typeName);
      const field = type && 'field' in type ? type.field(selection.name.value) : undefined;
      const coordinate = `${typeName}.${selection.name.value}`;
      if (!field) {
        violations.push({ service, field: coordinate, problem: 'unknown' });
        continue;
      }
      if (subgraph.metadata().isFieldExternal(field)) violations.push({ service, field: coordinate, problem: 'external' });
      if (selection.selectionSet) visitSelections(service, schema, field.type!.toString().replace(/[[\]!]/g, ''), selection.selectionSet);
    }
  };
  const visit = (node: PlanNode | SubscriptionNode | undefined) => {
    if (!node) return;
    switch (node.kind) {
      case 'Fetch': {
        const schema = subgraphs.get(node.serviceName)!.schema;
        const document = parse(node.operation);
        for (const definition of document.definitions) {
          if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
          const root = definition.operation === 'mutation' ? 'Mutation' : 'Query';
          visitSelections(node.serviceName, schema, root, definition.selectionSet);
        }
        return;
      }
      case 'Sequence':
      case 'Parallel':
        node.nodes.forEach(visit);
        return;
      case 'Flatten':
        visit(node.node);
        return;
      case 'Condition':
        visit(node.ifClause);
        visit(node.elseClause);
        return;
      default:
        throw new Error(`unexpected plan node ${node.kind}`);
    }
  };
  visit(plan.node);
  return violations;
}

/** Every Fetch node of a plan, in order. */
function fetches(node: PlanNode | SubscriptionNode | undefined): { serviceName: string; operation: string }[] {
  if (!node) return [];
  if (node.kind === 'Fetch') return [node];
  if (node.kind === 'Sequence' || node.kind === 'Parallel') return node.nodes.flatMap(fetches);
  if (node.kind === 'Flatten') return fetches(node.node);
  if (node.kind === 'Condition') return [...fetches(node.ifClause), ...fetches(node.elseClause)];
  return [];
}

function plan(supergraph: Supergraph, operation: string): QueryPlan {
  return new QueryPlanner(supergraph).buildQueryPlan(operationFromDocument(supergraph.schema, parse(operation)));
}

/** A selection of every field of `type` (objects as `__typename`, so that each owner is fetched), to `depth`. */
function everyField(type: GraphQLObjectType, depth: number): string {
  const fields = Object.values(type.getFields()).filter((field) => field.args.every((arg) => !isNonNullType(arg.type)));
  return fields
    .map((field) => {
      const named = getNamedType(field.type);
      if (isScalarType(named) || isEnumType(named)) return field.name;
      if (isObjectType(named) && depth > 0) return `${field.name} { ${everyField(named, depth - 1)} }`;
      return `${field.name} { __typename }`;
    })
    .join(' ');
}

/** A variable type's text for an argument type. */
function typeText(type: GraphQLType): string {
  if (isNonNullType(type)) return `${typeText(type.ofType)}!`;
  if (isListType(type)) return `[${typeText(type.ofType)}]`;
  return (type as { name: string }).name;
}

interface Route {
  /** Root operation type and the fields from it to the parent of `field`. */
  root: 'query' | 'mutation';
  steps: { parent: string; field: GraphQLField<unknown, unknown> }[];
}

/** The shortest route from a root field to each object type of the API schema (breadth first). */
function routes(api: GraphQLSchema): Map<string, Route> {
  const found = new Map<string, Route>();
  const queue: [GraphQLObjectType, Route][] = [];
  for (const [root, type] of [['query', api.getQueryType()], ['mutation', api.getMutationType()]] as const) {
    if (type && !found.has(type.name)) {
      found.set(type.name, { root, steps: [] });
      queue.push([type, { root, steps: [] }]);
    }
  }
  while (queue.length > 0) {
    const [type, route] = queue.shift()!;
    for (const field of Object.values(type.getFields())) {
      const named = getNamedType(field.type);
      if (!isObjectType(named) || found.has(named.name)) continue;
      const next = { root: route.root, steps: [...route.steps, { parent: type.name, field }] };
      found.set(named.name, next);
      queue.push([named, next]);
    }
  }
  return found;
}

/** An operation that follows `route`, then `field`, selecting `selection` on what it returns. */
function operationFor(route: Route, field: GraphQLField<unknown, unknown>, selection: string): string {
  const variables: string[] = [];
  const call = (f: GraphQLField<unknown, unknown>) => {
    const args = f.args
      .filter((arg) => isNonNullType(arg.type))
      .map((arg) => {
        const name = `v${variables.length}`;
        variables.push(`$${name}: ${typeText(arg.type)}`);
        return `${arg.name}: $${name}`;
      });
    return args.length > 0 ? `${f.name}(${args.join(', ')})` : f.name;
  };
  let body = `${call(field)} { ${selection} }`;
  for (const step of [...route.steps].reverse()) body = `${call(step.field)} { ${body} }`;
  return `${route.root} Plan${variables.length > 0 ? `(${variables.join(', ')})` : ''} { ${body} }`;
}

const supergraph = loadSupergraph(readFileSync(SUPERGRAPH_PATH, 'utf8'));
const api = supergraph.apiSchema().toGraphQLJSSchema();
const enterprise = api.getType('Enterprise') as GraphQLObjectType;
const reach = routes(api);
/** Every field of the API that returns an Enterprise, with the route to it. */
const enterpriseFields = Object.values(api.getTypeMap())
  .filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'))
  .flatMap((type) =>
    Object.values(type.getFields())
      .filter((field) => getNamedType(field.type) === enterprise)
      .map((field) => ({ coordinate: `${type.name}.${field.name}`, route: reach.get(type.name), field })),
  );

describe('query plans: no fetch asks a subgraph for a field it does not resolve', () => {
  it('finds every place an Enterprise is reached, sector subgraphs included', () => {
    expect(enterpriseFields.map((f) => f.coordinate).sort()).toEqual(
      expect.arrayContaining([
        'Query.enterprise',
        'Query.enterprises',
        'EnterpriseEdge.node',
        'DishonestyListEntry.enterprise',
        'TraceabilityCode.producer',
        'TraceabilityStep.operator',
        'SupplyChainPartner.partner',
        'Worker.employer',
        'WorkerServiceRecord.employer',
        'CustomsCreditListing.enterprise',
        'EnvironmentalRatingListing.enterprise',
        'CreditChange.enterprise',
      ]),
    );
    expect(enterpriseFields.every((f) => f.route !== undefined)).toBe(true);
  });

  it.each(enterpriseFields.map((f) => [f.coordinate, f] as const))('%s { every Enterprise field, evaluation included }', (_, { route, field }) => {
    const operation = operationFor(route!, field, `${everyField(enterprise, 1)} evaluation { grade score factors { sector } }`);
    const built = plan(supergraph, operation);
    expect(fetches(built.node).length).toBeGreaterThan(1);
    expect(unresolvableFetchFields(supergraph, built)).toEqual([]);
  });

  it("plans the issue's example: the registry evaluates a producer reached through supply-chain, one level of @requires", () => {
    const built = plan(supergraph, '{ traceabilityCode(code: "ZZ-TRC-100000198001") { code producer { name evaluation { grade } } } }');
    const steps = fetches(built.node);
    expect(steps[0]!.serviceName).toBe('supply-chain');
    expect(steps[0]!.operation).not.toMatch(/creditRecordStates/);
    expect(steps.at(-1)!.serviceName).toBe('registry');
    expect(steps.at(-1)!.operation).toMatch(/evaluation/);
    expect(unresolvableFetchFields(supergraph, built)).toEqual([]);
  });

  it('flags the nested @requires shape this replaced (the checker can fail)', () => {
    const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@external", "@requires", "@shareable"])';
    const owner = `${link}
      type Query { item(id: ID!): Item }
      type Item @key(fields: "id") {
        id: ID!
        states: [String!]!
        signals: Int! @external
        evaluation: Int! @requires(fields: "signals")
      }`;
    const sector = `${link}
      type Query { lot(id: ID!): Lot }
      type Lot { id: ID! producer: Item! }
      type Item @key(fields: "id") {
        id: ID!
        states: [String!]! @external
        signals: Int! @requires(fields: "states")
      }`;
    const composed = composeServices([
      { name: 'owner', url: 'http://owner', typeDefs: parse(owner) },
      { name: 'sector', url: 'http://sector', typeDefs: parse(sector) },
    ]);
    expect(composed.errors).toBeUndefined();
    const nested = loadSupergraph(composed.supergraphSdl!);
    const built = plan(nested, '{ lot(id: "1") { producer { evaluation } } }');
    expect(unresolvableFetchFields(nested, built)).toContainEqual({ service: 'sector', field: 'Item.states', problem: 'external' });
  });
});

// Aliases may not take a name the gateway or the query planner uses for itself.
//
// The query planner of @apollo/gateway adds the key fields of an entity (`uscc`, `id`), the
// fields a `@requires` needs (`creditRecordStates { key state }`) and `__typename` to the
// subgraph fetches, under their own names, and merges the answers by response key. A client
// alias with the same name is overwritten: `enterprise(uscc: $u) { uscc: name environment
// { ... } }` answers the code where the name was asked (apollographql/federation#3036, open;
// the Rust planner fails the query instead). The gateway itself selects
// `__authorization_placeholder` (authorization.ts). So an operation is refused, at
// validation, when an alias
//   - takes the name of a field the planner may add where the alias stands: a key field of
//     the type it is selected on (or of any possible type of an interface or union), a field
//     of a `@requires` on that type, or a field nested in either, on the nested field's type
//     (the supergraph's `join__type(key:)` and `join__field(requires:)`, `@inaccessible`
//     fields included: the planner adds a hidden key all the same, and the alias would carry
//     its value), or
//   - begins with `__` (names reserved for introspection and for the gateway).
// Any other alias answers right and is allowed (`finance: financeSignals`, `label: name`); an
// alias equal to its own field's name (`name: name`) is no alias.
import {
  GraphQLError,
  Kind,
  isAbstractType,
  parse,
  type ASTVisitor,
  type ConstDirectiveNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionNode,
  type TypeNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

const RESERVED_PREFIX = '__';
const KEY_DIRECTIVE = 'join__type';
const REQUIRES_DIRECTIVE = 'join__field';

type PlannerFields = ReadonlyMap<string, ReadonlySet<string>>;

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

/** The selections of a field set (`"uscc"`, `"creditRecordStates { key state }"`); none if unreadable. */
function fieldSet(text: string): readonly SelectionNode[] {
  try {
    const [definition] = parse(`{ ${text} }`, { noLocation: true }).definitions;
    return definition?.kind === Kind.OPERATION_DEFINITION ? definition.selectionSet.selections : [];
  } catch {
    return [];
  }
}

/**
 * The field names the query planner may add under each type of `supergraphSdl`: the fields of
 * every key (`join__type(key:)`) and `@requires` (`join__field(requires:)`), nested names
 * under the nested field's type. In: the supergraph SDL; out: type name -> field names.
 */
export function plannerFieldNames(supergraphSdl: string): Map<string, Set<string>> {
  const definitions = parse(supergraphSdl, { noLocation: true }).definitions;
  // Type name -> field name -> the field's named type, to follow nested field sets.
  const fieldTypes = new Map<string, Map<string, string>>();
  for (const definition of definitions) {
    if (!('fields' in definition) || !('name' in definition) || !definition.name) continue;
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      definition.kind !== Kind.OBJECT_TYPE_EXTENSION && definition.kind !== Kind.INTERFACE_TYPE_EXTENSION) continue;
    const fields = fieldTypes.get(definition.name.value) ?? new Map<string, string>();
    for (const field of definition.fields ?? []) fields.set(field.name.value, namedType(field.type));
    fieldTypes.set(definition.name.value, fields);
  }
  const reserved = new Map<string, Set<string>>();
  const reserve = (typeName: string, selections: readonly SelectionNode[]): void => {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) {
        let names = reserved.get(typeName);
        if (!names) reserved.set(typeName, (names = new Set()));
        names.add(selection.name.value);
        const below = fieldTypes.get(typeName)?.get(selection.name.value);
        if (selection.selectionSet && below) reserve(below, selection.selectionSet.selections);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        reserve(selection.typeCondition?.name.value ?? typeName, selection.selectionSet.selections);
      }
    }
  };
  const stringArgument = (directive: ConstDirectiveNode, name: string): string | undefined => {
    const value = directive.arguments?.find((a) => a.name.value === name)?.value;
    return value?.kind === Kind.STRING ? value.value : undefined;
  };
  for (const definition of definitions) {
    if (!('fields' in definition) || !('name' in definition) || !definition.name) continue;
    const typeName = definition.name.value;
    for (const directive of definition.directives ?? []) {
      const key = directive.name.value === KEY_DIRECTIVE ? stringArgument(directive, 'key') : undefined;
      if (key) reserve(typeName, fieldSet(key));
    }
    for (const field of definition.fields ?? []) {
      if (!('directives' in field)) continue;
      for (const directive of field.directives ?? []) {
        const requires = directive.name.value === REQUIRES_DIRECTIVE ? stringArgument(directive, 'requires') : undefined;
        if (requires) reserve(typeName, fieldSet(requires));
      }
    }
  }
  return reserved;
}

/**
 * The validation rule for a gateway serving `supergraphSdl` (give it to ApolloServer's
 * `validationRules`): reports an alias that takes a name the planner may add where it stands
 * (see above), or begins with `__`, as GRAPHQL_VALIDATION_FAILED (400). Linear: one look-up
 * per field, names computed once per type. In: the supergraph SDL; out: a graphql-js rule.
 */
export function createNoShadowingAliasesRule(supergraphSdl: string): ValidationRule {
  const planner = plannerFieldNames(supergraphSdl);
  return (context) => noShadowingAliases(context, planner);
}

/** Names the planner may add on an object of `type` (all possible types of an abstract type). */
function namesAt(schema: GraphQLSchema, type: GraphQLCompositeType, planner: PlannerFields): Set<string> {
  const types = isAbstractType(type) ? [type, ...schema.getPossibleTypes(type)] : [type];
  return new Set(types.flatMap((t) => [...(planner.get(t.name) ?? [])]));
}

function noShadowingAliases(context: ValidationContext, planner: PlannerFields): ASTVisitor {
  const names = new Map<GraphQLCompositeType, Set<string>>();
  return {
    Field(node) {
      const alias = node.alias?.value;
      if (alias === undefined || alias === node.name.value) return;
      const parent = context.getParentType();
      if (alias.startsWith(RESERVED_PREFIX)) {
        context.reportError(
          new GraphQLError(`The alias "${alias}" begins with "${RESERVED_PREFIX}", which is reserved for introspection and the gateway: choose another alias`, {
            nodes: node,
          }),
        );
        return;
      }
      if (!parent) return;
      let known = names.get(parent);
      if (!known) names.set(parent, (known = namesAt(context.getSchema(), parent, planner)));
      if (!known.has(alias)) return;
      context.reportError(
        new GraphQLError(
          `The alias "${alias}" of ${parent.name}.${node.name.value} takes the name of the field ${alias} of ${parent.name}, ` +
            'which the query planner adds to join subgraph answers (a key or @requires field) and would overwrite: choose another alias',
          { nodes: node },
        ),
      );
    },
  };
}

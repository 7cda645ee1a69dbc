// Aliases may not take a name the gateway or the query planner uses for itself.
//
// The query planner of @apollo/gateway adds the key fields of an entity (`uscc`, `id`), the
// fields a `@requires` needs and `__typename` to the subgraph fetches, under their own names,
// and merges the answers by response key. A client alias with the same name is overwritten:
// `enterprise(uscc: $u) { uscc: name environment { ... } }` answers the code where the name was
// asked (apollographql/federation#3036, open; the Rust planner fails the query instead). The
// gateway itself selects `__authorization_placeholder` (authorization.ts). So an operation is
// refused, at validation, when an alias
//   - takes the name of another field of the type it is selected on (or of any possible type of
//     an interface or union), or
//   - begins with `__` (names reserved for introspection and for the gateway).
// An alias equal to its own field's name (`name: name`) is no alias and is allowed.
// The field names include those of the supergraph that the API schema hides (`@inaccessible`):
// the planner adds an inaccessible key all the same, and the alias would carry its value.
import {
  GraphQLError,
  Kind,
  isAbstractType,
  parse,
  type ValidationRule,
  type ASTVisitor,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type ValidationContext,
} from 'graphql';

const RESERVED_PREFIX = '__';

type HiddenFields = ReadonlyMap<string, readonly string[]>;

/** Names of the fields an object of `type` may have (all possible types of an abstract type). */
function fieldNames(schema: GraphQLSchema, type: GraphQLCompositeType, hidden: HiddenFields): Set<string> {
  const types = isAbstractType(type) ? [type, ...schema.getPossibleTypes(type)] : [type];
  return new Set(types.flatMap((t) => [...('getFields' in t ? Object.keys(t.getFields()) : []), ...(hidden.get(t.name) ?? [])]));
}

/**
 * The validation rule for a gateway serving `supergraphSdl`: as NoShadowingAliasesRule, and an
 * alias may not take the name of any field the supergraph gives the type, including fields
 * the API schema hides (`@inaccessible` keys and `@requires` fields, which the planner still
 * selects). In: the supergraph SDL; out: a graphql-js validation rule.
 */
export function createNoShadowingAliasesRule(supergraphSdl: string): ValidationRule {
  const hidden = new Map<string, string[]>();
  for (const definition of parse(supergraphSdl).definitions) {
    if (
      definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_DEFINITION ||
      definition.kind === Kind.OBJECT_TYPE_EXTENSION || definition.kind === Kind.INTERFACE_TYPE_EXTENSION
    ) {
      const names = hidden.get(definition.name.value) ?? [];
      hidden.set(definition.name.value, [...names, ...(definition.fields ?? []).map((field) => field.name.value)]);
    }
  }
  return (context) => noShadowingAliases(context, hidden);
}

/**
 * graphql-js validation rule (give it to ApolloServer's `validationRules`): reports an alias
 * that shadows a field name of the API schema, as GRAPHQL_VALIDATION_FAILED (400). Linear:
 * one look-up per field, field names computed once per type. A gateway uses
 * createNoShadowingAliasesRule, which also knows the fields the API schema hides.
 */
export function NoShadowingAliasesRule(context: ValidationContext): ASTVisitor {
  return noShadowingAliases(context, new Map());
}

function noShadowingAliases(context: ValidationContext, hidden: HiddenFields): ASTVisitor {
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
      if (!known) names.set(parent, (known = fieldNames(context.getSchema(), parent, hidden)));
      if (!known.has(alias)) return;
      context.reportError(
        new GraphQLError(
          `The alias "${alias}" of ${parent.name}.${node.name.value} takes the name of the field ${alias} of ${parent.name}, ` +
            'which the gateway relies on to join subgraph answers: choose an alias that is not a field name',
          { nodes: node },
        ),
      );
    },
  };
}

// Deprecated usage, told to the one who uses it: an answer to an operation that selects a
// deprecated field or argument, or sends a deprecated enum value, carries
// `extensions.deprecations: [{ coordinate, reason }]` (the reason ends with the removal date,
// schema/src/deprecations.ts), and the gateway logs the operation and the coordinates with the
// caller's subject, so the platform can tell the institutions still using an element before it
// goes (docs/integration.md, "Schema changes and deprecation").
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { deprecatedUsages, type Caller, type Deprecation } from '@credit-graph/contract';

/** The answer's `extensions` key listing the deprecated elements the operation used. */
export const DEPRECATIONS_EXTENSION = 'deprecations';

/**
 * Apollo Server plugin; one pass over each validated operation (deprecatedUsages), nothing when
 * none is used. Apollo Server hands the same parsed document to every request with the same query
 * text (its document store), so the pass runs once per document and schema: 0.24 ms of a credit
 * check's gateway CPU otherwise (bench/README.md, session 8). The usages depend on the document
 * and the schema alone, not on variables or the caller.
 */
export function deprecationPlugin<Context extends { caller?: Caller }>(): ApolloServerPlugin<Context> {
  const known = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Deprecation[]>>();
  const usagesOf = (schema: GraphQLSchema, document: DocumentNode): Deprecation[] => {
    let ofSchema = known.get(schema);
    if (!ofSchema) known.set(schema, (ofSchema = new WeakMap()));
    let used = ofSchema.get(document);
    if (!used) ofSchema.set(document, (used = deprecatedUsages(schema, document)));
    return used;
  };
  return {
    async requestDidStart() {
      let used: Deprecation[] = [];
      return {
        async didResolveOperation({ schema, document, operationName, contextValue, logger }) {
          used = usagesOf(schema, document);
          if (used.length === 0) return;
          logger.info(
            `deprecated usage: operation ${operationName ?? '(anonymous)'} of ${contextValue.caller?.subject ?? 'anonymous'} uses ${used.map((u) => u.coordinate).join(', ')}`,
          );
        },
        async willSendResponse({ response }) {
          if (used.length === 0 || response.body.kind !== 'single') return;
          response.body.singleResult.extensions = { ...response.body.singleResult.extensions, [DEPRECATIONS_EXTENSION]: used };
        },
      };
    },
  };
}

// Deprecated usage, told to the one who uses it: an answer to an operation that selects a
// deprecated field or argument, or sends a deprecated enum value, carries
// `extensions.deprecations: [{ coordinate, reason }]` (the reason ends with the removal date,
// schema/src/deprecations.ts), and the gateway logs the operation and the coordinates with the
// caller's subject, so the platform can tell the institutions still using an element before it
// goes (docs/integration.md, "Schema changes and deprecation").
import type { ApolloServerPlugin } from '@apollo/server';
import { deprecatedUsages, type Caller, type Deprecation } from '@credit-graph/contract';

/** The answer's `extensions` key listing the deprecated elements the operation used. */
export const DEPRECATIONS_EXTENSION = 'deprecations';

/** Apollo Server plugin; one pass over the validated operation (deprecatedUsages), nothing when none is used. */
export function deprecationPlugin<Context extends { caller?: Caller }>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      let used: Deprecation[] = [];
      return {
        async didResolveOperation({ schema, document, operationName, contextValue, logger }) {
          used = deprecatedUsages(schema, document);
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

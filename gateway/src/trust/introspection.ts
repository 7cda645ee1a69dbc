// In production, the schema is not an open book: introspection only for callers with the
// schema:introspect scope (developers, regulators). Elsewhere the playground needs it.
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, visit } from 'graphql';
import { creditGraphError, type Caller } from '@credit-graph/contract';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

export function introspectionPlugin<Context extends { caller: Caller }>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          if (contextValue.caller.scopes.includes('schema:introspect')) return;
          let introspects = false;
          visit(document, {
            [Kind.FIELD]: (node) => {
              if (INTROSPECTION_FIELDS.has(node.name.value)) introspects = true;
            },
          });
          if (introspects) {
            throw creditGraphError('FORBIDDEN', 'Introspection is available to developers and regulators only (scope schema:introspect)');
          }
        },
      };
    },
  };
}

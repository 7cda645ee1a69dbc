// In production, the schema is not an open book (issue 9 §8): introspection only for callers with
// the schema:introspect scope (developers, regulators), and graphql-js's "Did you mean ...?"
// suggestions, which spell out field, type and enum names a caller could not introspect, are cut
// from every other caller's errors. Elsewhere (development) the playground needs both.
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, visit } from 'graphql';
import { creditGraphError, type Caller } from '@credit-graph/contract';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);
/** The scope that opens the schema in production. */
export const INTROSPECTION_SCOPE = 'schema:introspect';
/** A graphql-js suggestion at the end of a message (validation, variable and enum errors). */
const SUGGESTION = /\s*Did you mean .+\?$/s;

/** `message` without its "Did you mean ...?" suggestion. */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/**
 * The production schema guard. In: each request's caller (context `caller`; a request refused
 * before its context exists has none and counts as not allowed). Out: FORBIDDEN (403) for an
 * operation selecting `__schema` or `__type` without the scope; suggestions removed from the
 * errors of callers without it. The server itself must allow introspection (`introspection:
 * true`): Apollo Server turns it off for everyone when NODE_ENV=production, scope or not.
 */
export function introspectionPlugin<Context extends { caller?: Caller }>(): ApolloServerPlugin<Context> {
  const mayIntrospect = (caller: Caller | undefined) => caller?.scopes.includes(INTROSPECTION_SCOPE) ?? false;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          if (mayIntrospect(contextValue.caller)) return;
          let introspects = false;
          visit(document, {
            [Kind.FIELD]: (node) => {
              if (INTROSPECTION_FIELDS.has(node.name.value)) introspects = true;
            },
          });
          if (introspects) {
            throw creditGraphError('FORBIDDEN', `Introspection is available to developers and regulators only (scope ${INTROSPECTION_SCOPE})`);
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (mayIntrospect(contextValue.caller) || response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors) return;
          response.body.singleResult.errors = errors.map((error) => ({ ...error, message: withoutSuggestions(error.message) }));
        },
      };
    },
  };
}

// Apollo Server starts every plugin's didResolveOperation hook at once (Promise.all): when the
// limits refuse an operation, the hooks after them still run, so authorization would rewrite
// a 2^40-field fragment bomb and consent would look its subjects up. `inOrder` makes the
// order of the plugin list the order of the checks: each didResolveOperation hook starts only
// after the previous ones have finished, and none starts once one of them has thrown.
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContext, GraphQLRequestListener } from '@apollo/server';

/**
 * The same plugins, in the same order, with their didResolveOperation hooks chained for each
 * request (an earlier refusal skips the later hooks; the request gets the earlier error).
 * Every other hook is left as it is.
 */
export function inOrder<Context extends BaseContext>(plugins: ApolloServerPlugin<Context>[]): ApolloServerPlugin<Context>[] {
  // Per request: the promise of the hooks chained so far.
  const chains = new WeakMap<GraphQLRequestContext<Context>, Promise<void>>();
  return plugins.map((plugin) => {
    if (!plugin.requestDidStart) return plugin;
    const requestDidStart = plugin.requestDidStart.bind(plugin);
    return {
      ...plugin,
      async requestDidStart(requestContext): Promise<GraphQLRequestListener<Context> | void> {
        const listener = await requestDidStart(requestContext);
        const hook = listener?.didResolveOperation?.bind(listener);
        if (!listener || !hook) return listener;
        return {
          ...listener,
          didResolveOperation(context) {
            const chained = (chains.get(context) ?? Promise.resolve()).then(() => hook(context));
            chains.set(context, chained);
            return chained;
          },
        };
      },
    };
  });
}

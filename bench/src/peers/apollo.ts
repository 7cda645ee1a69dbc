// Peer (c): bare @apollo/gateway on @apollo/server with its defaults (standalone server).
// Customizations, both required to talk to Credit Graph's subgraphs and nothing more:
// a fetcher that adds the signed caller header over each call's body, and the supergraph's
// `@link(requiresScopes, for: SECURITY)` is demoted to a plain link: @apollo/gateway refuses to
// serve a supergraph whose SECURITY features it cannot enforce (our gateway enforces them itself).
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { host, port, signedCallerHeaders, supergraphPath } from './signed-caller.ts';

/** @apollo/gateway's default data source, whose fetcher signs each call for subgraph `name`. */
function signedDataSource(name: string, url: string): RemoteGraphQLDataSource {
  const source = new RemoteGraphQLDataSource({ url });
  const fetcher = source.fetcher;
  source.fetcher = async (target, init = {}) => {
    const signed = await signedCallerHeaders(target, String(init.body ?? ''), init.method ?? 'POST', name);
    return fetcher(target, { ...init, headers: { ...(init.headers as Record<string, string>), ...signed } });
  };
  return source;
}

const supergraphSdl = readFileSync(supergraphPath, 'utf8').replace(
  /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v[\d.]+"), for: SECURITY\)/g,
  '$1)',
);
const gateway = new ApolloGateway({ supergraphSdl, buildService: ({ name, url }) => signedDataSource(name, url!) });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port, host } });
console.log(`[apollo-gateway] ${url}`);

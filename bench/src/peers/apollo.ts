// Peer (c): bare @apollo/gateway on @apollo/server with its defaults (standalone server).
// Customizations, both required to talk to Credit Graph's subgraphs and nothing more:
// willSendRequest adds the signed caller headers, and the supergraph's
// `@link(requiresScopes, for: SECURITY)` is demoted to a plain link: @apollo/gateway refuses to
// serve a supergraph whose SECURITY features it cannot enforce (our gateway enforces them itself).
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { host, port, signedCallerHeaders, supergraphPath } from './signed-caller.ts';

class SignedDataSource extends RemoteGraphQLDataSource {
  override willSendRequest({ request }: GraphQLDataSourceProcessOptions): void {
    for (const [name, value] of Object.entries(signedCallerHeaders())) request.http!.headers.set(name, value);
  }
}

const supergraphSdl = readFileSync(supergraphPath, 'utf8').replace(
  /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v[\d.]+"), for: SECURITY\)/g,
  '$1)',
);
const gateway = new ApolloGateway({ supergraphSdl, buildService: ({ url }) => new SignedDataSource({ url }) });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port, host } });
console.log(`[apollo-gateway] ${url}`);

// The one thing a peer gateway must do to be let in by our subgraphs: sign every subgraph call
// for its subgraph, over its exact method, path and body, as our gateway does. The caller is
// fixed (the bench passes the same internal caller that our gateway signs with
// TRUST_LAYER=off), and the signer is the product's own wire contract, imported alone so that a
// peer loads nothing else of ours.
import { readFileSync } from 'node:fs';
import { createCallerSigner } from '../../../schema/src/caller-signature.ts';
import type { Caller } from '../../../schema/src/caller.ts';

const secret = process.env.CALLER_SIGNING_SECRET ?? '';
const caller = JSON.parse(process.env.BENCH_CALLER ?? 'null') as Caller | null;
if (!caller || secret.length < 32) throw new Error('BENCH_CALLER and CALLER_SIGNING_SECRET must be set');
const signer = createCallerSigner(secret);

export const port = Number(process.env.PORT ?? 0);
export const host = process.env.HOST ?? '127.0.0.1';
export const supergraphPath = process.env.SUPERGRAPH_PATH ?? '';

/** Subgraph names by URL, from the supergraph's join__graph(name:, url:) entries. */
const names = new Map(
  [...readFileSync(supergraphPath, 'utf8').matchAll(/join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g)].map((m) => [m[2]!, m[1]!]),
);

/** Fresh signed headers for one call (a signature is good for one use, within 30 s). */
export function signedCallerHeaders(url: string, body: string, method = 'POST', subgraph?: string): Promise<Record<string, string>> {
  const name = subgraph ?? names.get(url);
  if (!name) throw new Error(`no subgraph of ${supergraphPath} is at ${url}`);
  const { pathname, search } = new URL(url);
  return signer.sign(caller!, { subgraph: name, method, path: pathname + search, body });
}

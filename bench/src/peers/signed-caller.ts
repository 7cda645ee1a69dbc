// The one thing a peer gateway must do to be let in by our subgraphs: sign every subgraph call
// with the gateway's HMAC caller headers. The caller is fixed (the bench passes the same
// internal caller that our gateway signs with TRUST_LAYER=off), and the signer is the
// product's own wire contract, imported alone so that a peer loads nothing else of ours.
import { signCaller } from '../../../schema/src/caller-signature.ts';
import type { Caller } from '../../../schema/src/caller.ts';

const secret = process.env.CALLER_SIGNING_SECRET ?? '';
const caller = JSON.parse(process.env.BENCH_CALLER ?? 'null') as Caller | null;
if (!caller || secret.length < 32) throw new Error('BENCH_CALLER and CALLER_SIGNING_SECRET must be set');

/** Fresh signed headers (the signature carries a timestamp and expires after 30 s). */
export function signedCallerHeaders(): Record<string, string> {
  return signCaller(caller!, secret);
}

export const port = Number(process.env.PORT ?? 0);
export const host = process.env.HOST ?? '127.0.0.1';
export const supergraphPath = process.env.SUPERGRAPH_PATH ?? '';

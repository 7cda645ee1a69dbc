// Record references bound to this subgraph's secret: signed when a record is shown, verified
// when an enterprise names one in an objection or a repair application.
import { sealRecordKey, signRecordReference, verifyRecordReference, type RecordReference } from '@credit-graph/contract';

export interface RecordReferences {
  sign(reference: RecordReference): string;
  /** The record named; BAD_USER_INPUT naming `argumentName` when the token was not issued by a subgraph. */
  verify(token: string, argumentName?: string): RecordReference;
  /** The sealed form of a record key (see sealRecordKey in the contract), under the signing key. */
  seal(key: string): string;
  /** Its sealed forms under every key kept (during a rotation the registry may still seal with the old one). */
  sealings(key: string): string[];
}

/**
 * `secrets`: the caller signing keys' secrets, the signing one first. A reference shown before
 * a key rotation still verifies while the old key is kept.
 */
export function recordReferences(secrets: readonly [string, ...string[]]): RecordReferences {
  return {
    sign: (reference) => signRecordReference(reference, secrets[0]),
    verify(token, argumentName) {
      for (const secret of secrets.slice(1)) {
        try {
          return verifyRecordReference(token, secret, argumentName);
        } catch {
          // not this key: the signing key's refusal below is the one reported
        }
      }
      return verifyRecordReference(token, secrets[0], argumentName);
    },
    seal: (key) => sealRecordKey(key, secrets[0]),
    sealings: (key) => secrets.map((secret) => sealRecordKey(key, secret)),
  };
}

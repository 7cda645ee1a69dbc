// Record references bound to this subgraph's secret: signed when a record is shown, verified
// when an enterprise names one in an objection or a repair application.
import { signRecordReference, verifyRecordReference, type RecordReference } from '@credit-graph/contract';

export interface RecordReferences {
  sign(reference: RecordReference): string;
  /** The record named; BAD_USER_INPUT naming `argumentName` when the token was not issued by a subgraph. */
  verify(token: string, argumentName?: string): RecordReference;
}

export function recordReferences(secret: string): RecordReferences {
  return {
    sign: (reference) => signRecordReference(reference, secret),
    verify: (token, argumentName) => verifyRecordReference(token, secret, argumentName),
  };
}

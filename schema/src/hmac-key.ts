// HMAC keys for `jose`. jose 6 signs and verifies with WebCrypto: given a KeyObject or the
// secret's bytes, it imports them into a CryptoKey again on every sign and every verify
// (hmacImportKey, normalizeAlgorithm: about half the CPU of an HS256 sign or verify, measured
// with bench/ profiles on the gateway's signed subgraph calls and bearer tokens). A CryptoKey
// imported once is used as it is.
import { webcrypto } from 'node:crypto';

/**
 * An HS256 key for jose, imported once: resolves to a non-extractable WebCrypto HMAC SHA-256
 * CryptoKey for `usages` ('sign' and/or 'verify'). In: the secret as UTF-8 text or bytes (its
 * length is the caller's to check). Rejects only when WebCrypto cannot import raw bytes.
 */
export function hs256Key(secret: string | Uint8Array, usages: ('sign' | 'verify')[]): Promise<CryptoKey> {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  return webcrypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, usages) as Promise<CryptoKey>;
}

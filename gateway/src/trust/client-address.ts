// The client's address behind proxies (TRUSTED_PROXIES). The direct peer is the client unless
// it is a trusted proxy; then `X-Forwarded-For` is walked from the right (each proxy appends the
// address it received the request from), stopping at the first address that is not trusted:
// that one is the client. Addresses to the left of it were written by whoever sent the request
// and are never believed. This is the algorithm of Express's `req.ip`, by the same library
// (proxy-addr: IPv4, IPv6, CIDRs, IPv4-mapped IPv6 peers).
//
// Hostile headers: Node bounds the header section (16 KiB by default), proxy-addr splits the
// header in one pass and stops at the first untrusted hop, so the work is linear in the header.
// A client outside the trusted ranges cannot lengthen the walk (the nearest proxy appends its
// address, untrusted, at the right end); a sender inside them could, so at most
// MAX_TRUSTED_HOPS proxies are walked (each hop costs an address parse and a range match).
// A hop that is not an IP address (garbage written by a trusting proxy) is never taken as the
// client: the address is then the last trusted hop, the one that passed the garbage on.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyAddr from 'proxy-addr';

/** proxy-addr's names for whole ranges, accepted in TRUSTED_PROXIES besides addresses and CIDRs. */
export const TRUSTED_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'] as const;

/**
 * TRUSTED_PROXIES (`10.0.0.0/8,fd00::/8,192.0.2.7`, or a name of TRUSTED_PROXY_NAMES) as a list;
 * empty or blank: trust none. Throws an Error naming the variable and the bad entry.
 */
export function parseTrustedProxies(raw: string): string[] {
  const list = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    proxyAddr.compile(list);
  } catch (error) {
    throw new Error(`TRUSTED_PROXIES must list IP addresses, CIDRs or ${TRUSTED_PROXY_NAMES.join('/')}, comma-separated: ${(error as Error).message}`);
  }
  return list;
}

/** Proxies in a row that are believed at most; the next hop is the client, trusted range or not. */
export const MAX_TRUSTED_HOPS = 16;

/** How the gateway finds a request's client address (for the rate limit and the audit record). */
export type ClientAddress = (req: IncomingMessage) => string | undefined;

/**
 * `trusted`: from parseTrustedProxies. With none, the peer's address, X-Forwarded-For ignored.
 * Returns the real client's address as text (IPv4, or IPv6 as Node and the header give it).
 */
export function createClientAddress(trusted: readonly string[]): ClientAddress {
  if (trusted.length === 0) return (req) => req.socket.remoteAddress;
  const inRange = proxyAddr.compile([...trusted]);
  // i: 0 for the peer, then the header's hops from the right.
  const trust = (address: string, i: number) => i < MAX_TRUSTED_HOPS && inRange(address, i);
  return (req) => {
    if (!req.socket.remoteAddress) return undefined;
    // [peer, then the header's hops from the right, up to and including the first untrusted one]
    const hops = proxyAddr.all(req, trust);
    // The last one is the client, unless it is not an address at all: then the hop that passed it on.
    for (let i = hops.length - 1; i >= 0; i--) if (isIP(hops[i]!) !== 0) return hops[i];
    return req.socket.remoteAddress;
  };
}

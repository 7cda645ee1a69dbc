// The client address behind proxies (TRUSTED_PROXIES): X-Forwarded-For believed only from a
// trusted peer, walked from the right to the first untrusted hop; spoofed, garbage and huge
// headers handled in linear time without ever yielding a non-address.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createClientAddress, MAX_TRUSTED_HOPS, parseTrustedProxies } from '../src/trust/client-address.ts';

/** A request as Node gives it: the peer's address on the socket, headers lower-cased. */
function request(peer: string, forwardedFor?: string): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } } as unknown as IncomingMessage;
}

describe('TRUSTED_PROXIES', () => {
  it('parses addresses, CIDRs and names, IPv4 and IPv6, and refuses anything else naming the entry', () => {
    expect(parseTrustedProxies(' 10.0.0.0/8, fd00::/8 ,192.0.2.7,::1,loopback ')).toEqual(['10.0.0.0/8', 'fd00::/8', '192.0.2.7', '::1', 'loopback']);
    expect(parseTrustedProxies('')).toEqual([]);
    expect(() => parseTrustedProxies('10.0.0.0/8,proxy.internal')).toThrow(/TRUSTED_PROXIES .*proxy\.internal/);
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/TRUSTED_PROXIES/);
    expect(() => parseTrustedProxies('300.1.1.1')).toThrow(/TRUSTED_PROXIES/);
  });
});

describe('the client address', () => {
  it('trusts none by default: the peer, whatever the header says', () => {
    const address = createClientAddress([]);
    expect(address(request('203.0.113.9', '198.51.100.1'))).toBe('203.0.113.9');
  });

  it('ignores a header sent by a peer that is not trusted (a spoofing client)', () => {
    const address = createClientAddress(['10.0.0.0/8']);
    expect(address(request('203.0.113.9', '10.1.2.3, 198.51.100.1'))).toBe('203.0.113.9');
  });

  it('believes a trusted proxy: the address it appended is the client', () => {
    const address = createClientAddress(['10.0.0.0/8']);
    expect(address(request('10.0.0.5', '198.51.100.1'))).toBe('198.51.100.1');
  });

  it('walks a chain of trusted proxies from the right and stops at the first untrusted hop', () => {
    const address = createClientAddress(['10.0.0.0/8', '192.0.2.7']);
    // client-written junk, the client, a CDN (trusted single address), an ingress (trusted range)
    expect(address(request('10.0.0.5', '1.1.1.1, 198.51.100.1, 192.0.2.7, 10.9.9.9'))).toBe('198.51.100.1');
    // Every hop trusted: the leftmost is the client.
    expect(address(request('10.0.0.5', '10.1.1.1, 10.2.2.2'))).toBe('10.1.1.1');
  });

  it('handles IPv6 peers, hops and ranges, and IPv4-mapped peers against IPv4 ranges', () => {
    const address = createClientAddress(['fd00::/8', '10.0.0.0/8']);
    expect(address(request('fd00::1', '2001:db8::42, fd00::2'))).toBe('2001:db8::42');
    expect(address(request('::ffff:10.0.0.5', '2001:db8::43'))).toBe('2001:db8::43');
    expect(address(request('2001:db8::99', '2001:db8::42'))).toBe('2001:db8::99');
  });

  it('never takes garbage as the address: the trusted hop that passed it on is', () => {
    const address = createClientAddress(['10.0.0.0/8']);
    expect(address(request('10.0.0.5', 'not-an-address'))).toBe('10.0.0.5');
    expect(address(request('10.0.0.5', '<script>, 10.2.2.2'))).toBe('10.2.2.2');
    expect(address(request('10.0.0.5', ',,, ,'))).toBe('10.0.0.5');
    expect(address(request('10.0.0.5', '198.51.100.1:4711'))).toBe('10.0.0.5');
    expect(address(request('10.0.0.5', ''))).toBe('10.0.0.5');
  });

  it(`believes at most ${MAX_TRUSTED_HOPS} proxies in a row: a sender inside a trusted range cannot make the walk long`, () => {
    const address = createClientAddress(['10.0.0.0/8']);
    const hops = Array.from({ length: 100 }, (_, i) => `10.0.0.${i + 1}`);
    // The peer is hop 0; the header's last MAX_TRUSTED_HOPS - 1 entries are believed; the next one is the client.
    expect(address(request('10.0.0.200', hops.join(', ')))).toBe(hops[hops.length - MAX_TRUSTED_HOPS]);
  });

  it('takes linear time on a header as large as Node lets in (16 KiB), with every hop trusted or none', () => {
    const hops = Array.from({ length: 1100 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1`).join(',').slice(0, 16 * 1024);
    const trusted = createClientAddress(['10.0.0.0/8']);
    const untrusted = createClientAddress(['192.0.2.0/24']);
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      expect(trusted(request('10.0.0.5', hops))).toMatch(/^10\./);
      expect(untrusted(request('10.0.0.5', hops))).toBe('10.0.0.5');
    }
    // 100 walks of ~1,100 hops; a quadratic walk would take seconds.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

// Micro-benchmark: CPU per signed subgraph call, our signer and verifier (fast-jwt) against
// jose's HS256 through WebCrypto and one node:crypto HMAC of the same bytes.
//   npx tsx bench/micro/caller-signature.ts
// Out: µs of CPU per operation (process.cpuUsage covers libuv's thread pool, where WebCrypto
// jobs run). Session 7 on Node 20: our sign 159 -> 29 µs, sign and verify 326 -> 64 µs when
// jose was replaced; jose on Node 24: sign 146, verify 103 µs, createHmac 5.6 µs.
import { createHmac, randomBytes, webcrypto } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { createCallerSigner, createCallerVerifier, type Caller } from '@credit-graph/contract';

const SECRET = 'x'.repeat(48);
const caller: Caller = { subject: 'officer', role: 'BANK', scopes: ['credit:read'], purpose: 'LOAN_APPROVAL', institution: '91410100MA44XXXX0A', consents: ['91350100M000100Y43'] };
const call = { subgraph: 'finance', method: 'POST', path: '/graphql', body: '{"query":"{ financingProducts { name } }"}' };

async function measure(label: string, run: () => unknown, count = 5000): Promise<void> {
  for (let i = 0; i < 300; i++) await run();
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) await run();
  const used = process.cpuUsage(cpu);
  console.log(`${label}: ${((used.user + used.system) / count).toFixed(1)} µs CPU`);
}

const signer = createCallerSigner(SECRET);
const verifier = createCallerVerifier({ keys: SECRET, subgraph: 'finance' });
await measure('our sign', () => signer.sign(caller, call));
await measure('our sign + verify', async () => verifier.verify({ headers: await signer.sign(caller, call), method: call.method, path: call.path, body: call.body }));

const key = await webcrypto.subtle.importKey('raw', Buffer.from(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
const claims = { aud: 'finance', htm: 'POST', htu: '/graphql', caller };
let token = '';
await measure('jose sign (WebCrypto)', async () => {
  token = await new SignJWT({ ...claims, jti: randomBytes(16).toString('base64url') }).setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'credit-graph-call+jwt' }).setIssuedAt().sign(key);
});
await measure('jose verify (WebCrypto)', () => jwtVerify(token, key, { algorithms: ['HS256'], audience: 'finance' }));
await measure('createHmac of the same bytes', () => createHmac('sha256', SECRET).update(token).digest('base64url'));

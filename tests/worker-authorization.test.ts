// A household holding a worker's authorization (the code the worker shows, issued by the
// housekeeping platform) sees that worker's record unmasked, end to end through the gateway.
import { describe, expect, inject, it } from 'vitest';
import { maskName, SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql } from '@credit-graph/subgraph-kit/testing';
import { buildHousekeeping, workerIdFor } from '../subgraphs/housekeeping/prisma/seed.ts';
import { issueWorkerAuthorization, WORKER_AUTHORIZATION_HEADER } from '../gateway/src/trust/worker-authorization.ts';
import { headersFor } from './support/callers.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';

const { gatewayUrl, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);
const model = universe[SHOWCASE.MODEL_GROUP]!;
const companyCodes = universe.filter((e) => e.sectors.housekeeping).map((e) => e.uscc);
const seededWorkers = buildHousekeeping(model, companyCodes.filter((code) => code !== model.uscc)).workers;
const nameOf = (id: string) => seededWorkers.find((worker) => worker.id === id)!.name;
const worker = workerIdFor(model.uscc, 0);
const otherWorker = workerIdFor(model.uscc, 1);

const WORKER = 'query Worker($id: ID!) { worker(id: $id) { id name } }';
const authorizedBy = async (id: string, ttl?: string) => ({ [WORKER_AUTHORIZATION_HEADER]: await issueWorkerAuthorization(TEST_JWT_SECRET, id, ttl) });

describe('a household holding a worker\'s authorization', () => {
  it('sees the worker\'s full name as an anonymous caller, and only the masked name without the code', async () => {
    expect(maskName(nameOf(worker))).not.toBe(nameOf(worker));
    const authorized = await graphql(gatewayUrl, WORKER, { id: worker }, await authorizedBy(worker));
    expect(authorized.status).toBe(200);
    expect(authorized.errors).toBeUndefined();
    expect(authorized.data.worker).toEqual({ id: worker, name: nameOf(worker) });

    const without = await graphql(gatewayUrl, WORKER, { id: worker });
    expect(without.data.worker).toEqual({ id: worker, name: maskName(nameOf(worker)) });
  });

  it('still sees another worker masked, in the same operation', async () => {
    const query = 'query ($a: ID!, $b: ID!) { a: worker(id: $a) { name } b: worker(id: $b) { name } }';
    const result = await graphql(gatewayUrl, query, { a: worker, b: otherWorker }, await authorizedBy(worker));
    expect(result.errors).toBeUndefined();
    expect(maskName(nameOf(otherWorker))).not.toBe(nameOf(otherWorker));
    expect(result.data).toEqual({ a: { name: nameOf(worker) }, b: { name: maskName(nameOf(otherWorker)) } });
  });

  it('works beside the caller\'s own credentials: a bank officer holding the code sees that worker', async () => {
    const headers = { ...(await headersFor('BANK', 'LOAN_APPROVAL')), ...(await authorizedBy(worker)) };
    const result = await graphql(gatewayUrl, WORKER, { id: worker }, headers);
    expect(result.data?.worker.name).toBe(nameOf(worker));
    const bankAlone = await graphql(gatewayUrl, WORKER, { id: worker }, await headersFor('BANK', 'LOAN_APPROVAL'));
    expect(bankAlone.data?.worker.name).toBe(maskName(nameOf(worker)));
  });

  it('is refused with 401 UNAUTHENTICATED and no data once the code has expired', async () => {
    const expired = await issueWorkerAuthorization(TEST_JWT_SECRET, worker, '1m', { now: new Date(Date.now() - 3_600_000) });
    const result = await graphql(gatewayUrl, WORKER, { id: worker }, { [WORKER_AUTHORIZATION_HEADER]: expired });
    expect(result.status).toBe(401);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0]?.message).toContain('ask the worker for a new code');
  });

  it('cannot use the code as an access token', async () => {
    const { [WORKER_AUTHORIZATION_HEADER]: code } = await authorizedBy(worker);
    const result = await graphql(gatewayUrl, WORKER, { id: worker }, { authorization: `Bearer ${code}` });
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

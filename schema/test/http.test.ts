// listen().close() drains: connections are refused from the start, requests in flight finish
// and their keep-alive connections close with their last answer, and whatever is still
// running after the drain budget is cut. Real sockets on loopback, a keep-alive client.
import { Agent, get, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type Listening } from '../src/http.ts';

const agents: Agent[] = [];
afterEach(() => agents.splice(0).forEach((agent) => agent.destroy()));

/** A GET through a keep-alive agent: the way a load balancer or a subgraph client calls. */
function request(server: Listening, agent: Agent, path = '/'): Promise<{ status: number; connection?: string; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: server.host, port: server.port, path, agent }, (res: IncomingMessage) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

function keepAlive(): Agent {
  const agent = new Agent({ keepAlive: true });
  agents.push(agent);
  return agent;
}

describe('listen().close()', () => {
  it('lets a request in flight finish, closes its kept-alive connection and refuses new ones', async () => {
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const server = await listen(async (req, res) => {
      if (req.url === '/slow') {
        arrived();
        await released;
      }
      res.end(req.url);
    });
    const agent = keepAlive();
    expect((await request(server, agent, '/warm-up')).connection).toBe('keep-alive'); // an idle kept-alive socket

    const slow = request(server, agent, '/slow');
    await inFlight;
    const started = Date.now();
    const closed = server.close();
    await expect(request(server, new Agent(), '/new')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    release();
    expect(await slow).toEqual({ status: 200, connection: 'close', body: '/slow' });
    await closed;
    // Promptly: not after the client's keep-alive timeout, nor after the 5 s drain budget.
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('cuts a request still running after the drain budget', async () => {
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const server = await listen(() => arrived(), { drainMs: 100 }); // never answers
    const hanging = request(server, keepAlive());
    await inFlight;
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(hanging).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});

// Child processes of the benchmark: each subgraph and each gateway runs alone in its own
// process, so that a gateway's memory is its own (read from /proc) and a crash names itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Service {
  name: string;
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

/**
 * Runs an entry with `args`, its output appended to `logFile`: TypeScript with tsx, built
 * JavaScript (`dist/credit-graph.mjs`, a bundled `.mjs`) with plain node. `nodeOptions` are
 * extra V8/Node flags for this process.
 */
export function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  logFile: string,
  cwd: string,
  nodeOptions: string[] = [],
  args: string[] = [],
): Service {
  // BENCH_PROFILE=registry,gateway-b writes V8 CPU profiles of those processes (for README's analysis).
  const profiled = (process.env.BENCH_PROFILE ?? '').split(',').includes(name.replace(/^gateway /, 'gateway-'));
  // One folder per process: the main thread and the module loader's thread each write a profile.
  const profile = profiled ? ['--cpu-prof', `--cpu-prof-dir=${path.join(path.dirname(logFile), 'profiles', name.replace(/\W+/g, '-'))}`] : [];
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...profile, ...nodeOptions, ...loader, entry, ...args], {
    cwd,
    // Metrics on a free port: several gateways run side by side (their default 9464 would clash).
    env: { ...process.env, METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  let running = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      running = false;
      children.delete(child);
      log.end(`[bench] ${name} exited (${signal ?? `code ${code}`})\n`);
      resolve();
    }),
  );
  return {
    name,
    pid: child.pid!,
    exited,
    async stop() {
      if (!running) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * Throws when something already listens on `host:port`: a process left over from an interrupted
 * run would answer in place of the one the bench starts (a run measured a stale Hive Gateway
 * that way while the new one died on EADDRINUSE; bench/README.md, session 8).
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  const inUse = await new Promise<boolean>((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (inUse) throw new Error(`port ${port} on ${host} is in use by another process (one left over from an interrupted bench?): stop it first (ss -ltnp 'sport = :${port}')`);
}

/** Waits until `url` answers 2xx, failing early when the process dies (its log names why). */
export async function waitForHttp(service: Service, url: string, timeoutMs = 300_000, logFile?: string): Promise<void> {
  let dead = false;
  void service.exited.then(() => (dead = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead) {
      const tail = logFile ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`${service.name} exited before it answered ${url}\n${tail}`);
    }
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${service.name} did not answer ${url} within ${timeoutMs} ms`);
}

/** Resident set size of a process in bytes (Linux /proc), or undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far (Linux /proc, 100 ticks a second). */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Busy CPU seconds of the whole machine so far, every process of every user (/proc/stat). */
export function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** Samples a process's RSS every `everyMs` until stopped; reports the peak seen. */
export function sampleRss(pid: number, everyMs = 200) {
  let peak = rssBytes(pid) ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid) ?? 0);
  }, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pid) ?? 0);
    },
  };
}

/** Stops whatever is still running when the benchmark itself is interrupted or fails. */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}

export function logPath(folder: string, name: string): string {
  return path.join(folder, `${name}.log`);
}

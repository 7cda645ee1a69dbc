// Services as real processes, started the way `npm start` starts them (`credit-graph gateway`,
// `credit-graph subgraph <name>`), for tests that stop, freeze (SIGSTOP), kill and restart them:
// what a crashed, hung or redeployed service does to the gateway cannot be shown in-process.
// With E2E_BUILD=1 they run from the production build (plain node on dist/, see
// scripts/build.ts) instead of the sources through tsx.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILT_CLI = path.join(ROOT, 'dist/credit-graph.mjs');

/** True when the end-to-end services run from the build (E2E_BUILD=1). */
export function fromBuild(): boolean {
  return process.env.E2E_BUILD === '1';
}

/** Node's arguments to run `credit-graph <command...>`: the build with E2E_BUILD=1, else tsx. */
export function cliArguments(command: string[]): string[] {
  if (!fromBuild()) return ['--import', 'tsx', path.join(ROOT, 'scripts/credit-graph.ts'), ...command];
  if (!existsSync(BUILT_CLI)) throw new Error(`E2E_BUILD=1 but ${BUILT_CLI} is missing: run npm run build first`);
  return [BUILT_CLI, ...command];
}

/** How a finished `credit-graph` run ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `credit-graph <args>` to its end with `env` over a clean environment (only PATH and HOME
 * from outside: no stray database URL or NODE_ENV from the test runner); rejects, the child
 * killed, after `timeoutMs`.
 */
export function runCli(args: string[], env: Record<string, string>, timeoutMs: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArguments(args), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`credit-graph ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Everything it printed, for the failure message of a test. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  signal(signal: NodeJS.Signals): void;
}

/**
 * Runs `credit-graph <command...>` (e.g. `['subgraph', 'trade']`) and resolves once it prints a
 * line matching `ready`; rejects if it exits or stays silent for `timeoutMs` first.
 */
export function startProcess(command: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 60_000): Promise<ServiceProcess> {
  const entry = `credit-graph ${command.join(' ')}`;
  // NODE_ENV=test (vitest's) would change how the services behave; run them as they run for real.
  const child = spawn(process.execPath, cliArguments(command), {
    cwd: ROOT,
    // Info lines: the ready line a test waits for is one (the test runner's own default is warn).
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const service: ServiceProcess = {
    child,
    output: () => output,
    exited,
    signal: (signal) => void child.kill(signal),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} was not ready within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    let started = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      // Once ready, the output (an access line per request) is only kept, not searched again.
      if (!started && ready.test(output)) {
        started = true;
        clearTimeout(timer);
        resolve(service);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (code ${code}) before it was ready:\n${output}`));
    });
  });
}

/** A port nothing listens on right now, to start a service on (and restart it on later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

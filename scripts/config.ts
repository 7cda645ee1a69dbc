// `credit-graph config check [--service <name>]`: validates the settings of one process, or of
// the gateway and every subgraph, against their schemas (scripts/settings.ts) as this
// environment sets them, and prints the effective values with secrets redacted: whole for keys,
// secrets and tokens, the password (and query) of a URL. Every problem of every service is
// printed at once; any problem exits 1 (as the service itself would refuse to start).
import { effectiveSettings, SettingsError, type Env } from '@credit-graph/contract';
import { serviceSchemas } from './settings.ts';

/** The services checked when none is named: the processes a deployment runs. */
export const DEFAULT_SERVICES = ['gateway', 'registry', 'finance', 'supply-chain', 'environment', 'housekeeping', 'trade'];

/** Prints each service's effective settings and problems; throws SettingsError listing every problem. */
export function checkConfig(options: { service?: string }, env: Env = process.env, out: (line: string) => void = console.log): void {
  const schemas = serviceSchemas();
  const names = options.service ? [options.service] : DEFAULT_SERVICES.filter((name) => schemas.has(name));
  const problems: string[] = [];
  for (const name of names) {
    const schema = schemas.get(name)!;
    const issues = schema.issues(env);
    out(`${name}: ${issues.length === 0 ? 'ok' : `${issues.length} problem${issues.length === 1 ? '' : 's'}`}`);
    const settings = effectiveSettings(schema, env);
    const width = Math.max(...settings.map((entry) => entry.name.length));
    for (const entry of settings) out(`  ${entry.name.padEnd(width)}  ${entry.source === 'unset' ? '(unset)' : entry.value}${entry.source === 'default' ? '  (default)' : ''}`);
    problems.push(...issues.map((issue) => `${name}: ${issue}`));
  }
  if (problems.length > 0) throw new SettingsError(problems);
}

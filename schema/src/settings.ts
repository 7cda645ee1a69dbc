// Settings: every environment variable a Credit Graph process reads is declared once, here or in
// a part composed from here (shared-settings.ts), with a zod schema that turns the raw string
// (or its absence) into the typed value, its default, its meaning and whether it is a secret.
// From the declarations come: start-up validation that reports every bad variable at once
// (SettingsError), `credit-graph config check` (effective values, secrets redacted), the README
// settings table and `.env.example` (scripts/settings-docs.ts writes both; a test compares).
//
// A declaration is a zod schema over `string | undefined` (an unset variable, or an empty one,
// is undefined); each schema's messages name their variable, so a list of issues reads as a list
// of sentences. Rules over several variables (both of two set, one required in production) are
// functions run after every variable parsed.
import { REDACTED } from './logger.ts';
import { z } from 'zod';

/** The environment a process reads (process.env, or a test's object). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Where a setting is listed in the README table and `.env.example`, in this order. */
export const SETTING_SECTIONS = ['Embedded default', 'Databases', 'Secrets', 'Gateway', 'Subgraph calls', 'Behind a proxy', 'Observability', 'Deployment'] as const;
export type SettingSection = (typeof SETTING_SECTIONS)[number];

/** How a value is hidden when printed: `value` entirely, `url` only its password (and query). */
export type SecretKind = 'value' | 'url';

export interface Setting<T = unknown> {
  /** The environment variable. */
  readonly name: string;
  /** Parses the raw value (undefined when unset or empty) into the typed value, default applied. */
  readonly schema: z.ZodType<T, string | undefined>;
  /** The default as documented (`''`: unset). */
  readonly default: string;
  /** What it does: one Markdown paragraph (README table, `.env.example`). */
  readonly description: string;
  readonly section: SettingSection;
  readonly secret?: SecretKind;
  /** A value shown in `.env.example` when there is no default (e.g. a URL's shape). */
  readonly example?: string;
  /**
   * README row shared by several variables, one row for all: a pattern (`<SERVICE>_DATABASE_URL`)
   * shown with the names it stands for, or any other key grouping variables documented together.
   */
  readonly row?: string;
}

/** A rule over several variables: a message naming them when broken, else undefined. */
export type SettingsRule = (env: Env) => string | undefined;

export type SettingsShape = Record<string, Setting<any>>;
export type SettingsValues<S extends SettingsShape> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** Settings that do not parse: every problem found, one sentence each, in `issues`. */
export class SettingsError extends Error {
  readonly code = 'INVALID_CONFIG';
  constructor(readonly issues: string[]) {
    super(issues.length === 1 ? issues[0]! : `${issues.length} settings are invalid:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
  }
}

/** A service's (or a tool's) settings: its variables and the rules across them. */
export interface SettingsSchema<S extends SettingsShape = SettingsShape> {
  readonly settings: S;
  readonly rules: readonly SettingsRule[];
  /** Every problem with `env`, one sentence each (empty: all good). */
  issues(env?: Env): string[];
  /** The typed values; throws SettingsError listing every problem at once. */
  parse(env?: Env): SettingsValues<S>;
}

/** The raw value of a variable as the schemas see it: unset and empty are both undefined. */
export function rawValue(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Declares settings (a record by variable name) and the rules across them. */
export function defineSettings<S extends SettingsShape>(settings: S, rules: readonly SettingsRule[] = []): SettingsSchema<S> {
  for (const [key, entry] of Object.entries(settings)) {
    if (key !== entry.name) throw new Error(`setting declared under "${key}" is named "${entry.name}"`);
  }
  const object = z.object(Object.fromEntries(Object.entries(settings).map(([name, entry]) => [name, entry.schema])));
  const run = (env: Env) => {
    const input = Object.fromEntries(Object.keys(settings).map((name) => [name, env[name]]));
    const result = object.safeParse(input);
    const issues = result.success ? [] : result.error.issues.map((issue) => issue.message);
    for (const rule of rules) {
      const message = rule(env);
      if (message) issues.push(message);
    }
    return { issues, data: result.data };
  };
  return {
    settings,
    rules,
    issues: (env = process.env) => run(env).issues,
    parse(env = process.env) {
      const { issues, data } = run(env);
      if (issues.length > 0) throw new SettingsError(issues);
      return data as SettingsValues<S>;
    },
  };
}

type Part = Pick<SettingsSchema, 'settings' | 'rules'>;
type Merge<P extends Part[]> = P extends [infer Head extends Part, ...infer Tail extends Part[]] ? Head['settings'] & Merge<Tail> : unknown;

/** One schema from several parts (shared ones composed into a service's); a variable declared twice must be the same declaration. */
export function composeSettings<P extends Part[]>(...parts: P): SettingsSchema<Merge<P> & SettingsShape> {
  const settings: SettingsShape = {};
  for (const part of parts) {
    for (const [name, entry] of Object.entries(part.settings)) {
      if (settings[name] && settings[name] !== entry) throw new Error(`setting ${name} is declared twice, differently`);
      settings[name] = entry;
    }
  }
  const rules = [...new Set(parts.flatMap((part) => part.rules))];
  return defineSettings(settings, rules) as SettingsSchema<Merge<P> & SettingsShape>;
}

type Doc = Omit<Setting, 'name' | 'schema' | 'default'> & { default?: string };

/**
 * A declaration whose parser is `parse(raw)`, throwing an Error whose message is the issue
 * (existing checkers plug in). `raw` is undefined when the variable is unset or empty, unless
 * `keepEmpty` (a variable for which empty is a mistake of its own).
 */
export function checked<T>(name: string, doc: Doc, parse: (raw: string | undefined) => T, keepEmpty = false): Setting<T> {
  const schema = z
    .string()
    .optional()
    .transform((raw, context) => {
      try {
        return parse(raw === '' && !keepEmpty ? undefined : raw);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });
  return { name, schema, default: '', ...doc };
}

/**
 * The longest duration a timer takes, in ms (2^31 - 1, about 24.8 days): Node's setTimeout
 * fires a longer one after 1 ms instead (with a TimeoutOverflowWarning), so a longer wait or
 * timeout setting would mean "at once".
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A whole number of at least `min` (0 or 1), `fallback` when unset. A duration (its name ends
 * in `_MS`) is at most MAX_TIMER_MS.
 */
export function integer(name: string, fallback: number, doc: Doc, min: 0 | 1 = 0): Setting<number> {
  const max = name.endsWith('_MS') ? MAX_TIMER_MS : Number.MAX_SAFE_INTEGER;
  return checked(name, { default: String(fallback), ...doc }, (raw) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value)) {
      throw new Error(`${name} must be a ${min === 0 ? 'non-negative' : 'positive'} integer, got "${raw}"`);
    }
    if (value < min) throw new Error(`${name} must be at least ${min}, got "${raw}"`);
    if (value > max) throw new Error(`${name} must be at most ${max} ms (about 24.8 days, the longest timer), got "${raw}"`);
    return value;
  });
}

/** A TCP port 0-65535 (0: any free port), `fallback` when unset. */
export function port(name: string, fallback: number | undefined, doc: Doc): Setting<number | undefined> {
  return checked(name, { default: fallback === undefined ? '' : String(fallback), ...doc }, (raw) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || value > 65_535) throw new Error(`${name} must be a port number from 0 to 65535, got "${raw}"`);
    return value;
  });
}

/** One of `values`, `fallback` when unset. */
export function oneOf<const V extends string>(name: string, values: readonly V[], fallback: V, doc: Doc): Setting<V> {
  return checked(name, { default: fallback, ...doc }, (raw) => {
    if (raw === undefined) return fallback;
    if (!(values as readonly string[]).includes(raw)) {
      throw new Error(`${name} must be ${values.map((value) => `"${value}"`).join(values.length === 2 ? ' or ' : ', ')}, got "${raw}"`);
    }
    return raw as V;
  });
}

/** Free text; `fallback` (or undefined) when unset. */
export function text(name: string, doc: Doc, fallback: string): Setting<string>;
export function text(name: string, doc: Doc): Setting<string | undefined>;
export function text(name: string, doc: Doc, fallback?: string): Setting<string | undefined> {
  return checked(name, { default: fallback ?? '', ...doc }, (raw) => raw ?? fallback);
}

/** An absolute URL whose scheme is one of `protocols` (e.g. `['postgresql:', 'postgres:']`); undefined when unset. */
export function url(name: string, protocols: readonly string[], doc: Doc): Setting<string | undefined> {
  return checked(name, doc, (raw) => {
    if (raw === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error(`${name} is not a URL: "${redactValue(raw, doc.secret)}"`);
    }
    if (!protocols.includes(parsed.protocol)) throw new Error(`${name} must be a ${protocols.join(' or ')} URL, got "${redactValue(raw, doc.secret)}"`);
    return raw;
  });
}

/** `raw` as it may be printed: a secret hidden, a URL's password (and query, which may carry one) hidden. */
export function redactValue(raw: string, kind: SecretKind | undefined): string {
  if (kind === 'value') return REDACTED;
  if (kind !== 'url') return raw;
  try {
    const parsed = new URL(raw);
    if (parsed.password) parsed.password = '***';
    if (parsed.search) parsed.search = '?***';
    return parsed.toString();
  } catch {
    return REDACTED; // not a URL: it may be a password pasted on its own
  }
}

/** One line of `config check`: a variable, its value as printed and where it came from. */
export interface EffectiveSetting {
  name: string;
  value: string;
  source: 'environment' | 'default' | 'unset';
}

/** What `schema` reads from `env`, redacted: set variables, then defaults, then those left unset. */
export function effectiveSettings(schema: Pick<SettingsSchema, 'settings'>, env: Env = process.env): EffectiveSetting[] {
  return Object.values(schema.settings).map((entry) => {
    const raw = rawValue(env, entry.name);
    if (raw !== undefined) return { name: entry.name, value: redactValue(raw, entry.secret), source: 'environment' };
    return entry.default ? { name: entry.name, value: entry.default, source: 'default' } : { name: entry.name, value: '', source: 'unset' };
  });
}

/** Every declaration of several schemas, once each, in section order then declaration order. */
export function documentedSettings(schemas: Iterable<Pick<SettingsSchema, 'settings'>>): Setting[] {
  const seen = new Map<string, Setting>();
  for (const schema of schemas) for (const entry of Object.values(schema.settings)) if (!seen.has(entry.name)) seen.set(entry.name, entry);
  const all = [...seen.values()];
  return SETTING_SECTIONS.flatMap((section) => all.filter((entry) => entry.section === section));
}

const cell = (value: string) => value.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The README's settings table (Markdown): one row per setting, one per family (`row`). */
export function settingsTable(settings: readonly Setting[]): string {
  const lines = ['| variable | default | meaning |', '| --- | --- | --- |'];
  const rows = new Map<string, Setting[]>();
  for (const entry of settings) {
    const key = entry.row ?? entry.name;
    rows.set(key, [...(rows.get(key) ?? []), entry]);
  }
  for (const [key, members] of rows) {
    const first = members[0]!;
    const listed = members.map((m) => `\`${m.name}\``).join(', ');
    // A pattern row (`<SUBGRAPH>_PORT`) shows the pattern and the names it stands for.
    const names = key.includes('<') ? `\`${key}\` (${listed})` : listed;
    const defaults = [...new Set(members.map((m) => m.default))];
    const shown = (value: string) => (value ? `\`${value}\`` : 'unset');
    const fallback = defaults.length === 1 ? shown(defaults[0]!) : `${shown(defaults[0]!)}…${shown(defaults.at(-1)!)}`;
    lines.push(`| ${names} | ${cell(fallback)} | ${cell(first.description)} |`);
  }
  return lines.join('\n');
}

/** Markdown made plain for a comment: no backquotes or bold. */
const plain = (markdown: string) => markdown.replace(/`|\*\*/g, '');

function wrap(textToWrap: string, width = 98): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of textToWrap.split(/\s+/)) {
    // A line starting `# NAME=` would read as a variable: such a word stays on the line before.
    if (line.length + word.length + 1 > width && line !== '#' && !/^[A-Z][A-Z0-9_]*=/.test(word)) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/** `.env.example`: every setting, commented out with its default (or example), under its section. */
export function envExample(settings: readonly Setting[], header: string): string {
  const out = [header.trimEnd(), ''];
  for (const section of SETTING_SECTIONS) {
    const members = settings.filter((entry) => entry.section === section);
    if (members.length === 0) continue;
    out.push(`# --- ${section} ${'-'.repeat(Math.max(3, 93 - section.length))}`);
    let lastRow: string | undefined;
    for (const entry of members) {
      if (!entry.row || entry.row !== lastRow) out.push(...wrap(plain(entry.description)));
      lastRow = entry.row;
      out.push(`# ${entry.name}=${entry.default || entry.example || ''}`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

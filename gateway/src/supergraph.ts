// Reads a composed supergraph file and the subgraphs it names (join__Graph), applying URL
// overrides, and prepares it for @apollo/gateway, so the gateway serves any supergraph that
// @apollo/gateway serves, not only Credit Graph's own.
import { readFileSync } from 'node:fs';
import {
  AUTHENTICATED_VERSIONS,
  DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES,
  FeatureUrl,
  REQUIRES_SCOPES_VERSIONS,
} from '@apollo/federation-internals';
import { Kind, parse, type ConstArgumentNode, type EnumTypeDefinitionNode, type StringValueNode } from 'graphql';
import { ConfigError, subgraphUrlVariable } from './config.ts';

/** Every version of a spec that @apollo/federation-internals knows, as link URLs. */
type SpecVersions = { versions(): readonly unknown[]; find(version: never): { url: { toString(): string } } | undefined };
function urlsOf(specs: SpecVersions): string[] {
  return specs.versions().map((version) => specs.find(version as never)!.url.toString());
}

/**
 * Features @apollo/gateway serves as linked: its own list (core, join, tag, inaccessible...),
 * read from @apollo/federation-internals, so this gateway follows it on upgrades.
 */
const GATEWAY_FEATURES: ReadonlySet<string> = DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES;
/** Security features this gateway enforces itself (trust/authorization.ts), before planning. */
export const ENFORCED_FEATURES: ReadonlySet<string> = new Set([...urlsOf(AUTHENTICATED_VERSIONS), ...urlsOf(REQUIRES_SCOPES_VERSIONS)]);

function stringArgument(args: readonly ConstArgumentNode[] | undefined, name: string): string | undefined {
  const value = args?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

/**
 * Makes a supergraph loadable by @apollo/gateway, or refuses it. A feature linked
 * `for: SECURITY` or `for: EXECUTION` must be implemented, or a gateway must not serve
 * (core schema spec, https://specs.apollo.dev/link/v1.0/#Purpose): @apollo/gateway refuses
 * those not on its list. This gateway serves those on its list as they are; for those it
 * enforces itself (authenticated, requiresScopes) it drops the `for:` argument from their
 * @link so @apollo/gateway loads them (the directive applications stay in the text for
 * authorization to read; see shared/notes/federation-auth.md). Any other SECURITY or EXECUTION
 * feature is a ConfigError naming it: policy (no policy engine here), and context
 * (@fromContext): @apollo/query-planner plans its arguments but @apollo/gateway's executor does
 * not fill them in (a field would get `undefined`), which is why @apollo/gateway's list leaves
 * it out. An enforced feature renamed with `as:` is refused too: authorization reads the
 * directives by their spec names.
 * In: the supergraph SDL; out: the SDL to hand @apollo/gateway.
 */
export function prepareSupergraph(sdl: string): string {
  const document = parse(sdl);
  const cuts: [start: number, end: number][] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const url = stringArgument(directive.arguments, 'url') ?? '';
      const purposeArgument = directive.arguments?.find((a) => a.name.value === 'for');
      const purpose = purposeArgument?.value.kind === Kind.ENUM ? purposeArgument.value.value : undefined;
      let base: string;
      try {
        base = FeatureUrl.parse(url).base.toString();
      } catch {
        throw new ConfigError(`The supergraph links "${url}", which is not a feature URL`);
      }
      if (ENFORCED_FEATURES.has(base)) {
        const renamed = stringArgument(directive.arguments, 'as') !== undefined ||
          JSON.stringify(directive.arguments?.find((a) => a.name.value === 'import')?.value ?? null).includes('"as"');
        if (renamed) throw new ConfigError(`The supergraph links ${url} under another name (as:), which this gateway does not enforce; refusing to serve it`);
      }
      if (!purposeArgument || !purpose || GATEWAY_FEATURES.has(base)) continue;
      if (!ENFORCED_FEATURES.has(base)) {
        throw new ConfigError(`The supergraph uses ${url} (for: ${purpose}), which this gateway does not enforce; refusing to serve it`);
      }
      cuts.push([purposeArgument.loc!.start, purposeArgument.loc!.end]);
    }
  }
  // Cut from the end so earlier offsets stay valid; a comma left behind is insignificant in GraphQL.
  let prepared = sdl;
  for (const [start, end] of cuts.reverse()) prepared = prepared.slice(0, start) + prepared.slice(end);
  return prepared;
}

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

export interface Supergraph {
  path: string;
  sdl: string;
  subgraphs: SubgraphEndpoint[];
}

function joinGraphs(sdl: string): SubgraphEndpoint[] {
  const document = parse(sdl);
  const graphs = document.definitions.find(
    (definition): definition is EnumTypeDefinitionNode =>
      definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'join__Graph',
  );
  if (!graphs) throw new ConfigError('The supergraph has no join__Graph enum: is it a composed Federation 2 supergraph?');
  return (graphs.values ?? []).map((value) => {
    const directive = value.directives?.find((d) => d.name.value === 'join__graph');
    const argument = (name: string) =>
      (directive?.arguments?.find((a) => a.name.value === name)?.value as StringValueNode | undefined)?.value;
    return { name: argument('name') ?? value.name.value.toLowerCase(), url: argument('url') ?? '' };
  });
}

export function loadSupergraph(path: string, urlOverrides: Record<string, string>): Supergraph {
  let sdl: string;
  try {
    sdl = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the supergraph at ${path}: ${(error as Error).message}`);
  }
  try {
    parse(sdl);
  } catch (error) {
    throw new ConfigError(`The supergraph at ${path} is not valid GraphQL: ${(error as Error).message}`);
  }
  const subgraphs = joinGraphs(sdl).map(({ name, url }) => {
    const stem = subgraphUrlVariable(name).replace(/^SUBGRAPH_|_URL$/g, '');
    return { name, url: urlOverrides[stem] ?? url };
  });
  const unknown = Object.keys(urlOverrides).filter(
    (stem) => !subgraphs.some(({ name }) => subgraphUrlVariable(name) === `SUBGRAPH_${stem}_URL`),
  );
  if (unknown.length > 0) {
    throw new ConfigError(
      `${unknown.map((stem) => `SUBGRAPH_${stem}_URL`).join(', ')} names no subgraph of ${path} (it has ${subgraphs.map((s) => s.name).join(', ')})`,
    );
  }
  for (const subgraph of subgraphs) {
    if (!subgraph.url) throw new ConfigError(`Subgraph ${subgraph.name} has no URL: set ${subgraphUrlVariable(subgraph.name)}`);
  }
  return { path, sdl, subgraphs };
}

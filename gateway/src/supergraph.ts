// Reads a composed supergraph file and the subgraphs it names (join__Graph), applying URL
// overrides, so the gateway serves any supergraph, not only Credit Graph's own.
import { readFileSync } from 'node:fs';
import { Kind, parse, type EnumTypeDefinitionNode, type StringValueNode } from 'graphql';
import { ConfigError, subgraphUrlVariable } from './config.ts';

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

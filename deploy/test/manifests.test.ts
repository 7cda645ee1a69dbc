// The Kubernetes manifests (deploy/), the Dockerfile and .env.example against what the code
// reads and does. No cluster or Docker engine runs here: the base is rendered by deploy/render.ts,
// compared with the checked-in file, and every object is validated against the Kubernetes API's
// OpenAPI schemas (kubernetes-models); the Dockerfile is parsed (dockerfile-ast).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { DEFAULT_GATEWAY_METRICS_PORT, defaultPort, isGatewayHosted, readManifest, SUBGRAPH_METRICS_PORT_OFFSET, SUPERGRAPH_PATH } from '@credit-graph/contract';
import { loadConfig } from '../../gateway/src/config.ts';
import { cliArguments } from '../../tests/support/processes.ts';
import { RENDERED_PATH, renderManifests, renderYaml } from '../render.ts';
import { serviceVariables, variablesInSources } from './service-variables.ts';
import { serviceSchemas } from '../../scripts/settings.ts';
import { ENV_EXAMPLE_PATH, README_PATH, renderEnvExample, renderReadme } from '../../scripts/settings-docs.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SUBGRAPHS = readManifest().filter((entry) => !isGatewayHosted(entry));
const GATEWAY_DEFAULT_PORT = loadConfig({ CALLER_SIGNING_SECRET: 'x'.repeat(32) }).port;

/** The model validating each kind we ship, by apiVersion and kind. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

type K8s = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: any };
const objects = renderManifests() as K8s[];
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const podSpecs = () =>
  objects.flatMap((o) => (o.kind === 'Deployment' || o.kind === 'Job' ? [{ owner: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }] : []));

/** The CLI's command names, from its own --help (what `args` and the image's CMD may name). */
function cliCommands(): string[] {
  const result = spawnSync(process.execPath, cliArguments(['--help']), { cwd: ROOT, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  const section = result.stdout.split('Commands:')[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z-]+)/gm)].map((match) => match[1]!);
}

describe('kustomize base', () => {
  it('is the checked-in deploy/base/credit-graph.yaml (run `npm run manifests` after changing render.ts or the supergraph)', () => {
    expect(readFileSync(RENDERED_PATH, 'utf8')).toBe(renderYaml());
  });

  it('lists files that exist, and the example overlay builds on the base', () => {
    const base = parse(readFileSync(path.join(ROOT, 'deploy/base/kustomization.yaml'), 'utf8')) as { resources: string[] };
    for (const resource of base.resources) expect(existsSync(path.join(ROOT, 'deploy/base', resource)), resource).toBe(true);
    const overlay = parse(readFileSync(path.join(ROOT, 'deploy/overlays/example/kustomization.yaml'), 'utf8')) as {
      resources: string[];
      secretGenerator: { name: string; envs: string[] }[];
    };
    expect(overlay.resources).toEqual(['../../base']);
    // The overlay's Secret has every key the manifests read from it, and the example file names them all.
    const keys = new Set(podSpecs().flatMap(({ spec }) => spec.containers.flatMap((c: any) => (c.env ?? []).flatMap((e: any) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.key] : [])))));
    const example = readFileSync(path.join(ROOT, 'deploy/overlays/example/secrets.env.example'), 'utf8');
    const exampleKeys = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
    expect([...keys].sort()).toEqual([...exampleKeys].sort());
    expect(overlay.secretGenerator.map((g) => g.name)).toEqual(['credit-graph-secrets']);
  });

  it('parses as YAML documents without errors', () => {
    const documents = parseAllDocuments(readFileSync(RENDERED_PATH, 'utf8'));
    expect(documents.flatMap((d) => d.errors)).toEqual([]);
    expect(documents.length).toBe(objects.length);
  });

  it('validates every object against the Kubernetes API schemas', () => {
    for (const object of objects) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model, `no schema for ${object.apiVersion} ${object.kind}`).toBeDefined();
      expect(() => new Model!(object).validate(), `${object.kind}/${object.metadata.name}`).not.toThrow();
    }
  });

  it('the validator refuses a malformed object (so that a pass above means something)', () => {
    const deployment = structuredClone(find('Deployment', 'credit-graph-gateway')!);
    deployment.spec.template.spec.containers[0].ports[0].containerPort = 'four thousand';
    expect(() => new Deployment(deployment).validate()).toThrow(/containerPort/);
    const policy = structuredClone(find('NetworkPolicy', 'credit-graph-subgraphs')!);
    policy.spec.policyTypes = 'Ingress';
    expect(() => new NetworkPolicy(policy).validate()).toThrow(/policyTypes/);
  });

  it('runs the gateway and each of the six subgraphs as its own Deployment, Service, HPA and PDB', () => {
    const components = ['gateway', ...SUBGRAPHS.map((entry) => entry.name)];
    expect(SUBGRAPHS).toHaveLength(6);
    for (const component of components) {
      const name = `credit-graph-${component}`;
      const deployment = find('Deployment', name);
      expect(deployment, name).toBeDefined();
      expect(find('Service', name)?.spec.selector).toEqual(deployment!.spec.selector.matchLabels);
      expect(find('HorizontalPodAutoscaler', name)?.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(find('PodDisruptionBudget', name)?.spec.selector.matchLabels).toEqual(deployment!.spec.selector.matchLabels);
      const container = deployment!.spec.template.spec.containers[0];
      expect(container.args).toEqual(component === 'gateway' ? ['gateway'] : ['subgraph', component]);
      expect(container.livenessProbe.httpGet.path).toBe('/health');
      expect(container.startupProbe.httpGet.path).toBe('/health');
      expect(container.readinessProbe.httpGet.path).toBe('/ready');
      expect(container.resources.requests.cpu).toBeDefined();
      expect(container.resources.limits.memory).toBeDefined();
      // The port the process listens on is the one the Service and the probes use.
      const port = component === 'gateway' ? GATEWAY_DEFAULT_PORT : defaultPort(SUBGRAPHS.find((e) => e.name === component)!);
      const env = Object.fromEntries(container.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
      expect(Number(env[component === 'gateway' ? 'GATEWAY_PORT' : 'PORT'])).toBe(port);
      // Metrics on a port of their own, the one the process defaults to, announced for scraping.
      const metricsPort = component === 'gateway' ? DEFAULT_GATEWAY_METRICS_PORT : port + SUBGRAPH_METRICS_PORT_OFFSET;
      expect(Number(env.METRICS_PORT)).toBe(metricsPort);
      expect(container.ports).toEqual([
        { name: 'http', containerPort: port, protocol: 'TCP' },
        { name: 'metrics', containerPort: metricsPort, protocol: 'TCP' },
      ]);
      expect(deployment!.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metricsPort), 'prometheus.io/path': '/metrics' });
      expect(find('Service', name)!.spec.ports[0]).toMatchObject({ port, targetPort: 'http' });
      expect(find('Service', name)!.spec.ports[1]).toMatchObject({ port: metricsPort, targetPort: 'metrics' });
    }
  });

  it('points the gateway at every subgraph Service and mounts the supergraph from a ConfigMap', () => {
    const gateway = find('Deployment', 'credit-graph-gateway')!.spec.template.spec;
    const env = Object.fromEntries(gateway.containers[0].env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    for (const entry of SUBGRAPHS) {
      const url = new URL(env[`SUBGRAPH_${entry.name.toUpperCase().replace(/-/g, '_')}_URL`]);
      const service = find('Service', url.hostname);
      expect(service, url.href).toBeDefined();
      expect(Number(url.port)).toBe(service!.spec.ports[0].port);
    }
    const volume = gateway.volumes.find((v: any) => v.name === 'supergraph');
    const map = find('ConfigMap', volume.configMap.name)!;
    expect(map.data['supergraph.graphql']).toBe(readFileSync(SUPERGRAPH_PATH, 'utf8'));
    const mount = gateway.containers[0].volumeMounts.find((m: any) => m.name === 'supergraph');
    expect(env.SUPERGRAPH_PATH).toBe(`${mount.mountPath}/supergraph.graphql`);
  });

  it('lets only the gateway reach the subgraphs, on their ports, and monitoring their metrics ports', () => {
    const policy = find('NetworkPolicy', 'credit-graph-subgraphs')!;
    const selected = policy.spec.podSelector.matchExpressions[0];
    expect(selected).toMatchObject({ key: 'app.kubernetes.io/component', operator: 'In' });
    expect([...selected.values].sort()).toEqual(SUBGRAPHS.map((e) => e.name).sort());
    expect(selected.values).not.toContain('gateway');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toHaveLength(2);
    expect(policy.spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: find('Deployment', 'credit-graph-gateway')!.spec.selector.matchLabels } }]);
    expect(policy.spec.ingress[0].ports.map((p: any) => p.port).sort()).toEqual(SUBGRAPHS.map(defaultPort).sort());
    // The monitoring namespace reaches the metrics ports, and nothing else.
    expect(policy.spec.ingress[1].from[0].namespaceSelector).toBeDefined();
    expect(policy.spec.ingress[1].ports.map((p: any) => p.port).sort()).toEqual(SUBGRAPHS.map((e) => defaultPort(e) + SUBGRAPH_METRICS_PORT_OFFSET).sort());
  });

  it('migrates in a Job and starts every service with MIGRATE_ON_START=false', () => {
    const job = find('Job', 'credit-graph-migrate')!;
    expect(job.spec.template.spec.containers[0].args).toEqual(['migrate']);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const config = find('ConfigMap', 'credit-graph-config')!;
    expect(config.data.MIGRATE_ON_START).toBe('false');
    for (const { owner, spec } of podSpecs()) {
      expect(spec.containers[0].envFrom, owner).toContainEqual({ configMapRef: { name: 'credit-graph-config' } });
    }
  });

  it('names only commands the CLI has, and runs every pod as a non-root user', () => {
    const commands = cliCommands();
    for (const { owner, spec } of podSpecs()) {
      expect(commands, owner).toContain(spec.containers[0].args[0]);
      expect(spec.securityContext.runAsNonRoot, owner).toBe(true);
      expect(spec.securityContext.runAsUser, owner).toBeGreaterThan(0);
      expect(spec.containers[0].securityContext.allowPrivilegeEscalation, owner).toBe(false);
    }
  });

  it('sets only environment variables the services read (declared in their settings schemas)', () => {
    const read = serviceVariables();
    const set = new Set<string>();
    for (const { spec } of podSpecs()) {
      for (const variable of spec.containers[0].env ?? []) set.add(variable.name);
      for (const from of spec.containers[0].envFrom ?? []) {
        for (const key of Object.keys(find('ConfigMap', from.configMapRef.name)?.data ?? {})) set.add(key);
      }
    }
    const unknown = [...set].filter((name) => !read.has(name));
    expect(unknown, 'set by the manifests but read by no service').toEqual([]);
    expect(set.size).toBeGreaterThan(10);
  });

  it("sets in each pod's own env only variables that pod's process declares (the shared ConfigMap aside)", () => {
    const schemas = serviceSchemas();
    const roles: Record<string, string> = {
      'Deployment/credit-graph-gateway': 'gateway',
      'Job/credit-graph-migrate': 'tools',
      ...Object.fromEntries(SUBGRAPHS.map((entry) => [`Deployment/credit-graph-${entry.name}`, entry.name])),
    };
    for (const { owner, spec } of podSpecs()) {
      const schema = schemas.get(roles[owner]!);
      expect(schema, `${owner}: which process is it?`).toBeDefined();
      const own = (spec.containers[0].env ?? []).map((variable: { name: string }) => variable.name);
      expect(own.filter((name: string) => !(name in schema!.settings)), owner).toEqual([]);
    }
  });
});

describe('the settings schemas behind those checks', () => {
  it('declare every variable the code reads by name (no read outside a schema)', () => {
    const declared = serviceVariables();
    const undeclared = [...variablesInSources()].filter(([name]) => !declared.has(name)).map(([name, files]) => `${name} (${files.join(', ')})`);
    expect(undeclared, 'read by the code but declared in no settings schema (scripts/settings.ts)').toEqual([]);
  });

  it('find variables read directly and through named constants, and the per-service names', () => {
    const found = variablesInSources();
    expect(found.get('CALLER_SIGNING_SECRET')).toContain('schema/src/caller-signature.ts'); // CALLER_SECRET_VARIABLE
    expect(found.get('NODE_ENV')).toContain('gateway/src/config.ts'); // env.NODE_ENV in a rule
    expect(found.has('TEST_DATABASE_URL')).toBe(false); // test support is not a service
    const declared = serviceVariables();
    for (const name of ['SUPPLY_CHAIN_DATABASE_URL', 'GATEWAY_DATABASE_URL', 'SUBGRAPH_SUPPLY_CHAIN_URL', 'SUPPLY_CHAIN_PORT', 'TRUSTED_PROXIES', 'LOG_LEVEL', 'METRICS_PORT', 'METRICS_HOST', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME']) {
      expect(declared.has(name), name).toBe(true);
    }
  });
});

describe('.env.example and the README settings table', () => {
  it('are what the settings schemas generate (npm run settings:docs)', () => {
    expect(readFileSync(ENV_EXAMPLE_PATH, 'utf8')).toBe(renderEnvExample());
    const readme = readFileSync(README_PATH, 'utf8');
    expect(readme).toBe(renderReadme(readme));
  });

  it('list every declared variable once', () => {
    const text = readFileSync(ENV_EXAMPLE_PATH, 'utf8');
    const listed = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
    expect(new Set(listed).size, 'listed twice').toBe(listed.length);
    expect([...serviceVariables()].filter((name) => !listed.includes(name)).sort()).toEqual([]);
    const readme = readFileSync(README_PATH, 'utf8');
    for (const name of serviceVariables()) expect(readme, name).toContain(`\`${name}\``);
  });
});

describe('Dockerfile', () => {
  const dockerfile = DockerfileParser.parse(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
  const froms = dockerfile.getFROMs();
  const stageName = (from: (typeof froms)[number]) => from.getBuildStage();
  const instructions = dockerfile.getInstructions();
  /** Instructions of each stage, by stage name. */
  const stages = new Map<string, typeof instructions>();
  {
    let current = '';
    for (const instruction of instructions) {
      if (instruction.getKeyword() === 'FROM') {
        current = stageName(instruction as never) ?? `stage${stages.size}`;
        stages.set(current, []);
      } else if (current) stages.get(current)!.push(instruction);
    }
  }
  const finalStage = stageName(froms[froms.length - 1]!)!;
  const final = stages.get(finalStage)!;
  const args = (instruction: (typeof instructions)[number]) => instruction.getArguments().map((a) => a.getValue());
  const jsonArgs = (keyword: string) => JSON.parse(final.filter((i) => i.getKeyword() === keyword).at(-1)!.getArgumentsContent()!) as string[];

  it('has a build stage, a production-dependencies stage and a final stage', () => {
    expect(froms.length).toBeGreaterThanOrEqual(3);
    const runs = (stage: string) => (stages.get(stage) ?? []).filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent() ?? '');
    const builders = [...stages.keys()].filter((stage) => runs(stage).some((run) => run.includes('npm run build')));
    const productionInstalls = [...stages.keys()].filter((stage) => runs(stage).some((run) => /npm ci\b.*--omit=dev/.test(run)));
    expect(builders).toHaveLength(1);
    expect(productionInstalls).toHaveLength(1);
    // The final stage takes node_modules only from the production install, and only dist/ from the build.
    const copies = final.filter((i) => i.getKeyword() === 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const from = (copy as any).getFlags().find((flag: any) => flag.getName() === 'from')?.getValue();
      expect(from, `final stage copies from the build context: ${copy.getTextContent()}`).toBeDefined();
      if (from === builders[0]) expect(args(copy).slice(0, -1)).toEqual(['/app/dist']);
      else expect(from).toBe(productionInstalls[0]);
    }
    expect(final.some((i) => i.getKeyword() === 'RUN' && /npm (ci|install)/.test(i.getArgumentsContent() ?? ''))).toBe(false);
  });

  it('runs as a non-root user', () => {
    const user = final.filter((i) => i.getKeyword() === 'USER').at(-1);
    expect(user).toBeDefined();
    expect(args(user!)[0]).not.toMatch(/^(root|0)(:|$)/);
  });

  it('starts the built CLI, its default command one the CLI has, listening on every interface', () => {
    expect(jsonArgs('ENTRYPOINT')).toEqual(['node', 'dist/credit-graph.mjs']);
    expect(cliCommands()).toContain(jsonArgs('CMD')[0]);
    const env = Object.fromEntries(
      final.filter((i) => i.getKeyword() === 'ENV').flatMap((i) => (i as any).getProperties().map((p: any) => [p.getName(), p.getValue()])),
    );
    expect(env).toMatchObject({ HOST: '0.0.0.0', GATEWAY_HOST: '0.0.0.0', NODE_ENV: 'production', MIGRATE_ON_START: 'false' });
    const read = serviceVariables();
    expect(Object.keys(env).filter((name) => !read.has(name)), 'ENV read by no service').toEqual([]);
  });

  it('exposes the gateway port and every subgraph port', () => {
    const exposed = final
      .filter((i) => i.getKeyword() === 'EXPOSE')
      .flatMap(args)
      .flatMap((port) => {
        const [from, to = from] = port.split('/')[0]!.split('-').map(Number);
        return Array.from({ length: to! - from! + 1 }, (_, i) => from! + i);
      });
    for (const port of [GATEWAY_DEFAULT_PORT, ...SUBGRAPHS.map(defaultPort)]) expect(exposed).toContain(port);
  });

  it('keeps local installs, builds, data and secrets out of the build context (.dockerignore)', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    for (const entry of ['**/node_modules', 'dist', 'data', '.env', '.git']) expect(ignored).toContain(entry);
  });
});

describe('docs/operations.md', () => {
  it('has a runbook for every error code of the catalogue (docs/errors.md)', () => {
    const catalogue = [...readFileSync(path.join(ROOT, 'docs/errors.md'), 'utf8').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
    const runbooks = [...readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8').matchAll(/^### ([A-Z_]+)$/gm)].map((m) => m[1]!);
    expect(catalogue.length).toBeGreaterThan(10);
    expect(catalogue.filter((code) => !runbooks.includes(code)), 'codes without a runbook in docs/operations.md: add a "### CODE" section').toEqual([]);
    expect(runbooks.filter((code) => !catalogue.includes(code)), 'runbooks for codes the catalogue does not have').toEqual([]);
  });
});

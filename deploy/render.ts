// The Kubernetes manifests of the kustomize base (deploy/base/), generated from the composition
// manifest (schema/subgraphs.json: which subgraphs exist, their default ports) and the composed
// supergraph, so that six subgraph Deployments cannot drift from the code. `npm run manifests`
// rewrites deploy/base/credit-graph.yaml; deploy/test/manifests.test.ts fails when it is stale,
// validates every object against the Kubernetes API schemas, and checks every variable set here
// is one the services read.
//
// Shape (one image, every role; see Dockerfile and docs/operations.md):
//   - a Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget per subgraph and for
//     the gateway; probes: startup and liveness on /health, readiness on /ready;
//   - a NetworkPolicy: only the gateway's pods (and the migration Job, which opens no port) reach
//     the subgraphs; the gateway is reachable on its port;
//   - the migration Job (`credit-graph migrate`), run before each rollout; services start with
//     MIGRATE_ON_START=false;
//   - settings in the ConfigMap `credit-graph-config`, secrets referenced from the Secret
//     `credit-graph-secrets` (never created here: the overlay or the cluster's secret store does),
//     the supergraph as a ConfigMap named by its content hash (a new supergraph rolls the gateway).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import {
  databaseUrlVariable,
  DEFAULT_GATEWAY_METRICS_PORT,
  defaultPort,
  isGatewayHosted,
  NODE_OPTIONS_OF,
  readManifest,
  SUBGRAPH_METRICS_PORT_OFFSET,
  SUPERGRAPH_PATH,
} from '@credit-graph/contract';
import { subgraphUrlVariable } from '../gateway/src/config.ts';

const DEPLOY_DIR = path.dirname(fileURLToPath(import.meta.url));
export const RENDERED_PATH = path.join(DEPLOY_DIR, 'base/credit-graph.yaml');

const APP = 'credit-graph';
/** The image every role runs; overlays pin it (kustomize `images:`). */
const IMAGE = 'credit-graph:latest';
const GATEWAY_PORT = 4000;
/**
 * Namespace of the Prometheus that scrapes the pods (the NetworkPolicy lets it reach the
 * subgraphs' metrics ports; an overlay patches it to the cluster's monitoring namespace).
 */
const MONITORING_NAMESPACE = 'monitoring';
/** A subgraph's metrics port: its GraphQL port + SUBGRAPH_METRICS_PORT_OFFSET, as the service defaults to. */
const subgraphMetricsPort = (port: number) => port + SUBGRAPH_METRICS_PORT_OFFSET;
const CONFIG_MAP = `${APP}-config`;
const SECRET = `${APP}-secrets`;
const SUPERGRAPH_MOUNT = '/etc/credit-graph/supergraph';
/** The Node image's unprivileged user (Dockerfile `USER node`). */
const RUN_AS_USER = 1000;
/** Longer than the gateway's SHUTDOWN_DELAY_MS + SHUTDOWN_DRAIN_MS (5 + 10 s): SIGKILL never cuts a drain short. */
const TERMINATION_GRACE_SECONDS = 30;

/** Sizing (docs/operations.md): requests fit an idle process, limits leave room for a 500-code portfolio. */
const RESOURCES = {
  gateway: { requests: { cpu: '500m', memory: '384Mi' }, limits: { memory: '1Gi' } },
  subgraph: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '768Mi' } },
};
const REPLICAS = { gateway: { min: 2, max: 10 }, subgraph: { min: 2, max: 6 } };
const CPU_TARGET_PERCENT = 70;
/** PostgreSQL connections per pod (docs/operations.md: replicas x pool < max_connections). */
const DATABASE_POOL_SIZE = 10;

type Manifest = Record<string, unknown>;

function labels(component: string) {
  return { 'app.kubernetes.io/name': APP, 'app.kubernetes.io/component': component, 'app.kubernetes.io/part-of': APP };
}

const selector = (component: string) => ({ 'app.kubernetes.io/name': APP, 'app.kubernetes.io/component': component });

const secretVariable = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: SECRET, key: name } } });
const optionalSecretVariable = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: SECRET, key: name, optional: true } } });

const SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: RUN_AS_USER,
  runAsGroup: RUN_AS_USER,
  seccompProfile: { type: 'RuntimeDefault' },
};

function probes(port: string) {
  return {
    // Startup: a cold start opens the database and loads the schema; then liveness takes over.
    startupProbe: { httpGet: { path: '/health', port }, periodSeconds: 2, failureThreshold: 60 },
    livenessProbe: { httpGet: { path: '/health', port }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/ready', port }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
  };
}

interface Workload {
  component: string;
  args: string[];
  port: number;
  /** Where Prometheus scrapes the pod (METRICS_PORT). */
  metricsPort: number;
  env: Manifest[];
  resources: (typeof RESOURCES)['gateway'];
  /** NODE_OPTIONS_OF's entry for this process (schema/src/heap-flags.ts). */
  nodeOptions: string;
  replicas: { min: number; max: number };
  volumes?: Manifest[];
  volumeMounts?: Manifest[];
  annotations?: Record<string, string>;
}

function workload(spec: Workload): Manifest[] {
  const name = `${APP}-${spec.component}`;
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: labels(spec.component) },
      spec: {
        replicas: spec.replicas.min,
        selector: { matchLabels: selector(spec.component) },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: {
            labels: labels(spec.component),
            // The common scrape convention (Prometheus' kubernetes_sd examples, most Helm charts).
            annotations: {
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': String(spec.metricsPort),
              'prometheus.io/path': '/metrics',
              ...spec.annotations,
            },
          },
          spec: {
            serviceAccountName: APP,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            securityContext: POD_SECURITY_CONTEXT,
            containers: [
              {
                name: spec.component,
                image: IMAGE,
                args: spec.args,
                ports: [
                  { name: 'http', containerPort: spec.port, protocol: 'TCP' },
                  { name: 'metrics', containerPort: spec.metricsPort, protocol: 'TCP' },
                ],
                envFrom: [{ configMapRef: { name: CONFIG_MAP } }],
                env: [
                  ...spec.env,
                  { name: 'METRICS_PORT', value: String(spec.metricsPort) },
                  { name: 'NODE_OPTIONS', value: spec.nodeOptions },
                ],
                ...probes('http'),
                resources: spec.resources,
                securityContext: SECURITY_CONTEXT,
                ...(spec.volumeMounts ? { volumeMounts: spec.volumeMounts } : {}),
              },
            ],
            ...(spec.volumes ? { volumes: spec.volumes } : {}),
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels: labels(spec.component) },
      spec: {
        selector: selector(spec.component),
        ports: [
          { name: 'http', port: spec.port, targetPort: 'http', protocol: 'TCP' },
          { name: 'metrics', port: spec.metricsPort, targetPort: 'metrics', protocol: 'TCP' },
        ],
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name, labels: labels(spec.component) },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: spec.replicas.min,
        maxReplicas: spec.replicas.max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: CPU_TARGET_PERCENT } } }],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, labels: labels(spec.component) },
      spec: { maxUnavailable: 1, selector: { matchLabels: selector(spec.component) } },
    },
  ];
}

/** Every object of the base, in apply order. */
export function renderManifests(): Manifest[] {
  const subgraphs = readManifest().filter((entry) => !isGatewayHosted(entry));
  const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');
  const supergraphMap = `${APP}-supergraph-${createHash('sha256').update(supergraph).digest('hex').slice(0, 10)}`;
  const service = (name: string) => `${APP}-${name}`;

  const objects: Manifest[] = [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: APP, labels: labels('service-account') },
      automountServiceAccountToken: false,
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: CONFIG_MAP, labels: labels('config') },
      // Settings shared by every role; each Deployment adds its own below. See .env.example.
      data: {
        NODE_ENV: 'production',
        MIGRATE_ON_START: 'false',
        DATABASE_POOL_SIZE: String(DATABASE_POOL_SIZE),
        AUTHORIZATION_MODE: 'filter',
        JWT_ISSUER: 'credit-graph',
        JWT_AUDIENCE: 'credit-graph-gateway',
        // The gateway believes X-Forwarded-For only from these (README: TRUSTED_PROXIES). Empty:
        // none, the client address is the peer's. Behind an ingress, set the ingress controller's
        // pod CIDR in an overlay (docs/operations.md: behind an ingress; the example overlay does).
        TRUSTED_PROXIES: '',
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: supergraphMap, labels: labels('supergraph') },
      data: { 'supergraph.graphql': supergraph },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: `${APP}-migrate`, labels: labels('migrate') },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 600,
        ttlSecondsAfterFinished: 86_400,
        template: {
          metadata: { labels: labels('migrate') },
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: APP,
            automountServiceAccountToken: false,
            securityContext: POD_SECURITY_CONTEXT,
            containers: [
              {
                name: 'migrate',
                image: IMAGE,
                args: ['migrate'],
                envFrom: [{ configMapRef: { name: CONFIG_MAP } }],
                env: [...subgraphs.map((entry) => secretVariable(databaseUrlVariable(entry.name))), secretVariable(databaseUrlVariable('gateway'))],
                resources: RESOURCES.subgraph,
                securityContext: SECURITY_CONTEXT,
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${APP}-subgraphs`, labels: labels('network-policy') },
      spec: {
        // Subgraphs answer the gateway only: a subgraph also refuses unsigned callers, this keeps
        // everyone else from reaching its port at all.
        podSelector: {
          matchLabels: { 'app.kubernetes.io/name': APP },
          matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: subgraphs.map((entry) => entry.name) }],
        },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: selector('gateway') } }],
            ports: subgraphs.map((entry) => ({ protocol: 'TCP', port: defaultPort(entry) })),
          },
          // Prometheus reaches the metrics ports only, never the GraphQL ones.
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } } }],
            ports: subgraphs.map((entry) => ({ protocol: 'TCP', port: subgraphMetricsPort(defaultPort(entry)) })),
          },
        ],
      },
    },
    ...workload({
      component: 'gateway',
      args: ['gateway'],
      port: GATEWAY_PORT,
      metricsPort: DEFAULT_GATEWAY_METRICS_PORT,
      resources: RESOURCES.gateway,
      nodeOptions: NODE_OPTIONS_OF.gateway,
      replicas: REPLICAS.gateway,
      env: [
        { name: 'GATEWAY_PORT', value: String(GATEWAY_PORT) },
        { name: 'SUPERGRAPH_PATH', value: `${SUPERGRAPH_MOUNT}/supergraph.graphql` },
        ...subgraphs.map((entry) => ({ name: subgraphUrlVariable(entry.name), value: `http://${service(entry.name)}:${defaultPort(entry)}/graphql` })),
        secretVariable('CALLER_SIGNING_SECRET'),
        secretVariable('JWT_SECRET'),
        // Required in production: the audit chain's keys (docs/operations.md: secret rotation).
        secretVariable('AUDIT_HMAC_KEYS'),
        secretVariable(databaseUrlVariable('gateway')),
        optionalSecretVariable('REDIS_URL'),
      ],
      volumes: [{ name: 'supergraph', configMap: { name: supergraphMap } }],
      volumeMounts: [{ name: 'supergraph', mountPath: SUPERGRAPH_MOUNT, readOnly: true }],
    }),
    ...subgraphs.flatMap((entry) =>
      workload({
        component: entry.name,
        args: ['subgraph', entry.name],
        port: defaultPort(entry),
        metricsPort: subgraphMetricsPort(defaultPort(entry)),
        resources: RESOURCES.subgraph,
        nodeOptions: NODE_OPTIONS_OF.subgraph,
        replicas: REPLICAS.subgraph,
        env: [
          { name: 'PORT', value: String(defaultPort(entry)) },
          secretVariable('CALLER_SIGNING_SECRET'),
          secretVariable(databaseUrlVariable(entry.name)),
        ],
      }),
    ),
  ];
  return objects;
}

/** The rendered base as one YAML stream, with a header saying where it comes from. */
export function renderYaml(objects: Manifest[] = renderManifests()): string {
  const header = '# Generated by deploy/render.ts (npm run manifests) from schema/subgraphs.json and schema/supergraph.graphql. Do not edit.\n';
  return header + objects.map((object) => `---\n${stringify(object, { lineWidth: 0 })}`).join('');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(RENDERED_PATH, renderYaml());
  console.log(`wrote ${path.relative(process.cwd(), RENDERED_PATH)}`);
}

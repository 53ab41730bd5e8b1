// The Kubernetes manifests under docker/k8s: each document against its schema (the Kubernetes, KEDA
// and Prometheus Operator models of kubernetes-models), then the set against itself and the service:
// the GPU Deployment (ports, probes on its routes, API keys from a Secret, drain and grace period,
// security), its rollout, the autoscaler (KEDA ScaledObject or HPA) and its query, the Services and
// PodDisruptionBudget selectors, the ServiceMonitor, and kustomization.yaml.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { checkEnvName, checkEnvValue, type ServiceFacts } from './facts.js';
import { findingsOf, type Finding } from './findings.js';
import type { TextFile } from './repository.js';
import { arr, isObject, num, obj, str, type Json } from './values.js';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: Json) => Validatable;

/** apiVersion/kind -> the kubernetes-models class holding its schema. */
const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace as unknown as ModelClass,
  'v1/Service': Service as unknown as ModelClass,
  'v1/ConfigMap': ConfigMap as unknown as ModelClass,
  'apps/v1/Deployment': Deployment as unknown as ModelClass,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelClass,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as ModelClass,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject as unknown as ModelClass,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor as unknown as ModelClass,
};

interface Resource {
  file: string;
  index: number;
  apiVersion: string;
  kind: string;
  name: string;
  body: Json;
}

function labelsMatch(selector: Json, labels: Json): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

function podLabels(deployment: Resource): Json {
  return obj(obj(obj(obj(deployment.body['spec'])['template'])['metadata'])['labels']);
}

/** Seconds slept by a preStop hook: exec sleep N, sh -c "sleep N", or the sleep action. */
export function preStopSleepSeconds(preStop: Json): number | undefined {
  const action = num(obj(preStop['sleep'])['seconds']);
  if (action !== undefined) return action;
  const command = arr(obj(preStop['exec'])['command']).map(String).join(' ');
  const match = /(?:^|\s|\/)sleep\s+(\d+(?:\.\d+)?)/.exec(command);
  return match ? Number(match[1]) : undefined;
}

/** A key of a Secret, as secretKeyRef and the Prometheus Operator's credentials name it. */
interface SecretRef {
  name: string;
  key: string;
}
const refText = (ref: SecretRef): string => `${ref.name}/${ref.key}`;

/**
 * Where the container's API_KEYS come from: secretKeyRefs, directly or through `$(VAR)` references to
 * env entries above it that are secretKeyRefs. Literal keys, optional Secrets and no API_KEYS at all
 * are errors: each would let the pod run with keys in the manifest or with none.
 */
function apiKeySecrets(entries: Json[], cname: string, error: (message: string) => void): SecretRef[] {
  const secretOf = (e: Json): (SecretRef & { optional: boolean }) | undefined => {
    const ref = obj(obj(e['valueFrom'])['secretKeyRef']);
    const name = str(ref['name']);
    const key = str(ref['key']);
    return name && key ? { name, key, optional: ref['optional'] === true } : undefined;
  };
  const index = entries.findIndex((e) => e['name'] === 'API_KEYS');
  if (index < 0) {
    error(`${cname}: no API_KEYS: the service would run without authentication (set it from a Secret)`);
    return [];
  }
  const entry = entries[index]!;
  const direct = secretOf(entry);
  const value = str(entry['value']) ?? '';
  const refs = [...value.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]!);
  if (!direct && value.replace(/\$\([A-Za-z_][A-Za-z0-9_]*\)/g, '').replace(/[\s,]/g, '') !== '') {
    error(`${cname}: API_KEYS holds literal keys: keep them in a Secret (valueFrom.secretKeyRef)`);
  }
  const sources = direct ? [direct] : [];
  for (const ref of refs) {
    const source = entries.slice(0, index).find((e) => e['name'] === ref);
    const secret = source && secretOf(source);
    if (!secret) error(`${cname}: API_KEYS uses $(${ref}), which no env entry above it sets from a Secret`);
    else sources.push(secret);
  }
  if (sources.length === 0 && value === '') error(`${cname}: API_KEYS is empty: the service would run without authentication`);
  for (const source of sources.filter((s) => s.optional)) {
    error(`${cname}: secretKeyRef ${refText(source)} is optional: without the Secret the pod would start without keys`);
  }
  return sources.map(({ name, key }) => ({ name, key }));
}

/** Checks one GPU Deployment; returns the Secret keys its API_KEYS come from. */
function lintDeployment(r: Resource, facts: ServiceFacts, error: (message: string) => void): SecretRef[] {
  const where = `Deployment/${r.name}`;
  const spec = obj(r.body['spec']);
  const pod = obj(obj(spec['template'])['spec']);
  const containers = arr(pod['containers']).map(obj);
  const container = containers.find((c) => /purrception/.test(String(c['image'] ?? ''))) ?? containers[0];
  if (!container) {
    error(`${where}: no containers`);
    return [];
  }
  const cname = `${where} container ${String(container['name'])}`;

  const ports = arr(container['ports']).map(obj);
  const port = ports.find((p) => num(p['containerPort']) === facts.port);
  if (!port) error(`${cname}: no containerPort ${facts.port} (the service's port)`);
  const portMatches = (p: unknown): boolean => p === facts.port || (typeof p === 'string' && p === port?.['name']);

  const entries = arr(container['env']).map(obj);
  const env = new Map<string, string>();
  for (const e of entries) env.set(String(e['name']), String(e['value'] ?? ''));
  // Kubernetes expands $(NAME) to an entry defined above: such helper entries need not be service settings.
  const referenced = new Set(entries.flatMap((e) => [...String(e['value'] ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]!)));
  for (const [k, v] of env) {
    const problem = (referenced.has(k) ? undefined : checkEnvName(k, facts)) ?? checkEnvValue(k, v, facts);
    if (problem) error(`${cname} env: ${problem}`);
  }
  const secrets = apiKeySecrets(entries, cname, error);

  const probe = (key: string, expected: string | undefined): void => {
    const p = obj(container[key]);
    if (Object.keys(p).length === 0) return error(`${cname}: no ${key}`);
    const http = obj(p['httpGet']);
    const probePath = str(http['path']);
    if (!probePath) return error(`${cname}.${key}: expected an httpGet probe`);
    if (!facts.routes.includes(probePath)) error(`${cname}.${key}: path ${probePath} is not a route of the service (routes: ${facts.routes.join(', ')})`);
    else if (expected && probePath !== expected) error(`${cname}.${key}: path ${probePath}, expected ${expected}`);
    if (!portMatches(http['port'])) error(`${cname}.${key}: port ${String(http['port'])} is not the container port ${facts.port}`);
  };
  probe('readinessProbe', '/ready');
  probe('livenessProbe', '/health');
  probe('startupProbe', undefined);

  const limits = obj(obj(container['resources'])['limits']);
  if (num(limits['nvidia.com/gpu']) !== 1) error(`${cname}: resources.limits must request nvidia.com/gpu: 1`);
  const requests = obj(obj(container['resources'])['requests']);
  if (requests['nvidia.com/gpu'] !== undefined && num(requests['nvidia.com/gpu']) !== num(limits['nvidia.com/gpu'])) {
    error(`${cname}: nvidia.com/gpu requests must equal limits`);
  }
  if (!(env.get('EXECUTION_PROVIDERS') ?? '').startsWith('cuda')) error(`${cname}: a GPU pod should set EXECUTION_PROVIDERS=cuda,cpu`);
  if (env.get('PROVIDER_FALLBACK') !== 'fail') {
    error(`${cname}: a GPU pod must set PROVIDER_FALLBACK=fail, or a node whose GPU does not work serves at CPU speed and still goes ready`);
  }
  if (!arr(pod['tolerations']).map(obj).some((t) => t['key'] === 'nvidia.com/gpu')) error(`${where}: no toleration for nvidia.com/gpu taints`);

  const preStop = obj(obj(container['lifecycle'])['preStop']);
  const sleep = preStopSleepSeconds(preStop);
  if (sleep === undefined) error(`${cname}: no preStop sleep (endpoints must be removed before SIGTERM starts the drain)`);
  const grace = num(pod['terminationGracePeriodSeconds']) ?? 30;
  const needed = (sleep ?? 0) + facts.drainSeconds;
  if (!(grace > needed)) {
    error(`${where}: terminationGracePeriodSeconds ${grace} must exceed preStop sleep ${sleep ?? 0} s + the service's drain limit ${facts.drainSeconds} s = ${needed} s`);
  }

  const podSec = obj(pod['securityContext']);
  const sec = obj(container['securityContext']);
  const runAsNonRoot = sec['runAsNonRoot'] ?? podSec['runAsNonRoot'];
  if (runAsNonRoot !== true) error(`${cname}: securityContext.runAsNonRoot must be true`);
  const uid = num(sec['runAsUser'] ?? podSec['runAsUser']);
  if (uid === 0) error(`${cname}: runAsUser 0 is root`);
  if (sec['readOnlyRootFilesystem'] !== true) error(`${cname}: securityContext.readOnlyRootFilesystem must be true`);
  if (sec['allowPrivilegeEscalation'] !== false) error(`${cname}: securityContext.allowPrivilegeEscalation must be false`);
  if (sec['readOnlyRootFilesystem'] === true && !arr(container['volumeMounts']).map(obj).some((m) => m['mountPath'] === '/tmp')) {
    error(`${cname}: read-only root filesystem without a writable /tmp volume`);
  }
  return secrets;
}

/** `value` of a maxSurge / maxUnavailable: an integer, or a percentage of `replicas` rounded as Kubernetes does. */
function rolloutPods(value: unknown, replicas: number, round: (x: number) => number): number {
  const percent = typeof value === 'string' ? /^(\d+)%$/.exec(value.trim())?.[1] : undefined;
  return percent === undefined ? (num(value) ?? 0) : round((Number(percent) * replicas) / 100);
}

/**
 * A GPU Deployment's rollout must progress on a full GPU pool and keep a pod serving: a surge pod with
 * nothing allowed to go first waits for a spare GPU (a warning: fine where the pool keeps one), and
 * maxUnavailable at or above the fewest replicas the autoscaler allows stops them all.
 */
function lintRollout(d: Resource, autoscalers: Resource[], findings: Finding[]): void {
  const spec = obj(d.body['spec']);
  const strategy = obj(spec['strategy']);
  const scaler = autoscalers.find((a) => obj(obj(a.body['spec'])['scaleTargetRef'])['name'] === d.name);
  const scalerSpec = obj(scaler?.body['spec']);
  const fewest = scaler ? (scaler.kind === 'ScaledObject' ? (num(scalerSpec['minReplicaCount']) ?? 0) : (num(scalerSpec['minReplicas']) ?? 1)) : (num(spec['replicas']) ?? 1);
  const serving = Math.max(1, fewest); // scaled to zero, the first request brings one pod back
  const where = `Deployment/${d.name}`;
  if (str(strategy['type']) === 'Recreate') {
    findings.push({ file: d.file, severity: 'warning', message: `${where}: strategy Recreate stops every pod before new ones start: an outage on each rollout` });
    return;
  }
  const rolling = obj(strategy['rollingUpdate']);
  const surge = rolloutPods(rolling['maxSurge'] ?? '25%', serving, Math.ceil);
  const unavailable = rolloutPods(rolling['maxUnavailable'] ?? '25%', serving, Math.floor);
  if (surge > 0 && unavailable === 0) {
    findings.push({
      file: d.file,
      severity: 'warning',
      message: `${where}: maxSurge ${surge} with maxUnavailable 0 needs a spare GPU for every rollout: on a full GPU pool the new pod stays Pending and the rollout stalls (maxSurge 0, maxUnavailable 1 does not)`,
    });
  }
  if (unavailable >= serving) {
    const blame = scaler ?? d;
    const floor = scaler ? `${scaler.kind}/${scaler.name} allows ${fewest} replica(s)` : `${where} runs ${fewest} replica(s)`;
    findings.push({ file: blame.file, severity: 'error', message: `${floor} and maxUnavailable is ${unavailable}: a rollout can stop every pod (keep at least maxUnavailable + 1)` });
  }
}

/** Target labels the Prometheus Operator gives the series it scrapes through a ServiceMonitor. */
const SERVICE_MONITOR_LABELS = ['namespace', 'service', 'endpoint', 'job', 'pod', 'container'];

/** `label op "value"` matchers of a PromQL query. */
function queryMatchers(query: string): { label: string; op: string; value: string }[] {
  return [...query.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)].map((m) => ({ label: m[1]!, op: m[2]!, value: m[3]! }));
}

/** The Services a ServiceMonitor scrapes. */
function monitoredServices(monitor: Resource, resources: Resource[]): Resource[] {
  const selector = obj(obj(obj(monitor.body['spec'])['selector'])['matchLabels']);
  return resources.filter((s) => s.kind === 'Service' && labelsMatch(selector, obj(obj(s.body['metadata'])['labels'])));
}

function lintScaledObject(r: Resource, resources: Resource[], error: (message: string) => void): void {
  const deployments = resources.filter((d) => d.kind === 'Deployment');
  // The schema check covers types; these are the fields autoscaling on queue depth depends on.
  const where = `ScaledObject/${r.name}`;
  const spec = obj(r.body['spec']);
  const target = obj(spec['scaleTargetRef']);
  if (!str(target['name'])) error(`${where}: spec.scaleTargetRef.name is required`);
  else if ((target['kind'] ?? 'Deployment') === 'Deployment' && !deployments.some((d) => d.name === target['name'])) {
    error(`${where}: spec.scaleTargetRef names Deployment ${String(target['name'])}, which is not among the manifests`);
  }
  const triggers = arr(spec['triggers']).map(obj);
  if (triggers.length === 0) return error(`${where}: spec.triggers must list at least one trigger`);
  const prometheus = triggers.filter((t) => t['type'] === 'prometheus');
  if (prometheus.length === 0) return error(`${where}: no trigger of type prometheus`);
  for (const t of prometheus) {
    const meta = obj(t['metadata']);
    if (!str(meta['serverAddress'])) error(`${where}: prometheus trigger without metadata.serverAddress`);
    const query = str(meta['query']) ?? '';
    if (!/\bpurrception_queue_depth\b/.test(query)) error(`${where}: prometheus trigger query must use purrception_queue_depth`);
    const matchers = queryMatchers(query);
    if (matchers.length === 0) error(`${where}: the query selects no labels: it would add up the queue depth of every installation Prometheus scrapes`);
    // The operator's target labels exist only for series scraped through a ServiceMonitor.
    const operatorLabels = matchers.filter((m) => SERVICE_MONITOR_LABELS.includes(m.label)).map((m) => m.label);
    const monitors = resources.filter((m) => m.kind === 'ServiceMonitor');
    if (operatorLabels.length > 0 && monitors.length === 0) {
      error(`${where}: the query selects by ${operatorLabels.join(', ')}: labels that only a ServiceMonitor's targets have, and no ServiceMonitor is among the manifests (keep servicemonitor.yaml, or rewrite the query for your scrape configuration)`);
    }
    const service = matchers.find((m) => m.label === 'service' && m.op === '=');
    const scraped = monitors.flatMap((m) => monitoredServices(m, resources)).map((s) => s.name);
    if (service && monitors.length > 0 && !scraped.includes(service.value)) {
      error(`${where}: the query selects service="${service.value}", but the ServiceMonitors scrape ${scraped.length > 0 ? scraped.join(', ') : 'no Service'}`);
    }
    const threshold = meta['threshold'];
    if (typeof threshold !== 'string' || !(Number(threshold) > 0)) error(`${where}: prometheus trigger metadata.threshold must be a positive number written as a string`);
  }
  const min = num(spec['minReplicaCount']) ?? 0;
  const max = num(spec['maxReplicaCount']) ?? 100;
  if (min > max) error(`${where}: minReplicaCount ${min} > maxReplicaCount ${max}`);
}

function lintHpa(r: Resource, deployments: Resource[], error: (message: string) => void): void {
  const where = `HorizontalPodAutoscaler/${r.name}`;
  const spec = obj(r.body['spec']);
  const target = obj(spec['scaleTargetRef']);
  if (!deployments.some((d) => d.name === target['name'])) error(`${where}: scaleTargetRef names Deployment ${String(target['name'])}, which is not among the manifests`);
  const names = arr(spec['metrics']).map(obj).map((m) => {
    const source = obj(m[m['type'] === 'External' ? 'external' : 'pods']);
    return str(obj(source['metric'])['name']);
  });
  if (!names.includes('purrception_queue_depth')) error(`${where}: no Pods/External metric purrception_queue_depth`);
}

/**
 * A ServiceMonitor is picked up by kube-prometheus-stack's Prometheus, scrapes a route of the service
 * through a named port of a Service of the manifests, and sends a key the pods behind it accept.
 */
function lintServiceMonitor(r: Resource, resources: Resource[], keySecrets: Map<Resource, SecretRef[]>, facts: ServiceFacts, error: (message: string) => void): void {
  const where = `ServiceMonitor/${r.name}`;
  // The chart's Prometheus selects ServiceMonitors by its Helm release label (serviceMonitorSelector).
  if (!str(obj(obj(r.body['metadata'])['labels'])['release'])) {
    error(`${where}: no metadata.labels.release: kube-prometheus-stack's Prometheus only selects ServiceMonitors labelled with its Helm release (release: <release name>), so nothing would be scraped and the autoscaler would never scale`);
  }
  const selected = monitoredServices(r, resources);
  if (selected.length === 0) error(`${where}: selector matches no Service's labels`);
  // The pods behind those Services accept these keys; Prometheus must send one of them.
  const accepted = [...keySecrets]
    .filter(([d]) => selected.some((s) => labelsMatch(obj(obj(s.body['spec'])['selector']), podLabels(d))))
    .flatMap(([, secrets]) => secrets);
  for (const e of arr(obj(r.body['spec'])['endpoints']).map(obj)) {
    const p = str(e['path']) ?? '/metrics';
    if (!facts.routes.includes(p)) error(`${where}: path ${p} is not a route of the service`);
    const portName = e['port'];
    if (!selected.some((s) => arr(obj(s.body['spec'])['ports']).map(obj).some((sp) => sp['name'] === portName))) {
      error(`${where}: port ${String(portName)} is not a named port of the selected Service`);
    }
    const credentials = obj(obj(e['authorization'])['credentials']);
    const token = Object.keys(credentials).length > 0 ? credentials : obj(e['bearerTokenSecret']);
    const sent = str(token['name']) && str(token['key']) ? { name: String(token['name']), key: String(token['key']) } : undefined;
    if (accepted.length > 0 && !sent) {
      error(`${where}: endpoint ${String(portName)} sends no credential, but the pods require API keys: ${p} would answer 401 (authorization.credentials)`);
    } else if (sent && accepted.length > 0 && !accepted.some((a) => a.name === sent.name && a.key === sent.key)) {
      error(`${where}: sends Secret key ${refText(sent)}, which is not among the pods' API_KEYS (${accepted.map(refText).join(', ')})`);
    }
  }
}

/** Parses every document, validates it against its schema, then cross-checks the set. */
export function lintManifests(files: TextFile[], facts: ServiceFacts): Finding[] {
  const findings: Finding[] = [];
  const resources: Resource[] = [];
  for (const { file, text } of files) {
    const error = (message: string): void => void findings.push({ file, severity: 'error', message });
    const docs = parseAllDocuments(text);
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, index) => {
      if (doc.errors.length > 0) {
        for (const e of doc.errors) error(`document ${index + 1}: YAML: ${e.message}`);
        return;
      }
      const body: unknown = doc.toJS();
      if (body === null || body === undefined) return;
      if (!isObject(body)) return error(`document ${index + 1}: not a mapping`);
      const apiVersion = str(body['apiVersion']) ?? '';
      const kind = str(body['kind']) ?? '';
      const name = str(obj(body['metadata'])['name']) ?? '';
      const label = `${kind || 'document'}/${name || index + 1}`;
      if (kind === 'Kustomization') return; // kustomize's own file: lintKustomization
      const Model = MODELS[`${apiVersion}/${kind}`];
      if (!Model) return error(`${label}: no schema known for apiVersion ${apiVersion || '(none)'} kind ${kind || '(none)'}`);
      if (!name) error(`${label}: metadata.name is required`);
      try {
        new Model(body).validate();
      } catch (err) {
        return error(`${label}: schema: ${(err as Error).message}`);
      }
      resources.push({ file, index, apiVersion, kind, name, body });
    });
  }

  const where = (r: Resource) => (message: string): void => void findings.push({ file: r.file, severity: 'error', message });
  const deployments = resources.filter((r) => r.kind === 'Deployment');
  const keySecrets = new Map(deployments.map((d) => [d, lintDeployment(d, facts, where(d))]));
  const autoscalers = resources.filter((r) => r.kind === 'ScaledObject' || r.kind === 'HorizontalPodAutoscaler');
  for (const d of deployments) lintRollout(d, autoscalers, findings);
  for (const r of resources) {
    const error = where(r);
    if (r.kind === 'ScaledObject') lintScaledObject(r, resources, error);
    if (r.kind === 'HorizontalPodAutoscaler') lintHpa(r, deployments, error);
    if (r.kind === 'Service' || r.kind === 'PodDisruptionBudget') {
      const spec = obj(r.body['spec']);
      const selector = r.kind === 'Service' ? obj(spec['selector']) : obj(obj(spec['selector'])['matchLabels']);
      const matched = deployments.filter((d) => labelsMatch(selector, podLabels(d)));
      if (matched.length === 0) error(`${r.kind}/${r.name}: selector ${JSON.stringify(selector)} matches no Deployment's pod labels`);
      if (r.kind === 'Service') {
        for (const p of arr(spec['ports']).map(obj)) {
          const target = p['targetPort'] ?? p['port'];
          const ok = matched.some((d) =>
            arr(obj(obj(obj(d.body['spec'])['template'])['spec'])['containers']).map(obj).some((c) =>
              arr(c['ports']).map(obj).some((cp) => cp['containerPort'] === target || (typeof target === 'string' && cp['name'] === target)),
            ),
          );
          if (!ok) error(`Service/${r.name}: targetPort ${String(target)} is not a port of the selected containers`);
        }
      }
    }
    if (r.kind === 'ServiceMonitor') lintServiceMonitor(r, resources, keySecrets, facts, error);
  }
  if (deployments.length === 0 && files.length > 0 && findings.length === 0) findings.push({ file: files[0]!.file, severity: 'error', message: 'no Deployment among the manifests' });
  return findings;
}

/** kustomization.yaml: its resources exist, cover every manifest beside it, and autoscale once. */
export function lintKustomization(file: string, text: string, dir: string, manifests: TextFile[]): Finding[] {
  const { findings, error } = findingsOf(file);
  const doc = parseAllDocuments(text);
  const first = Array.isArray(doc) ? doc[0] : doc;
  if (!first || first.errors.length > 0) {
    for (const e of first?.errors ?? []) error(`YAML: ${e.message}`);
    return findings;
  }
  const body = obj(first.toJS());
  if (body['kind'] !== 'Kustomization') error('kind must be Kustomization');
  const resources = arr(body['resources']).map(String);
  for (const r of resources) if (!existsSync(path.join(dir, r))) error(`resource ${r} does not exist`);
  const siblings = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !/^kustomization\.ya?ml$/.test(f));
  for (const s of siblings) if (!resources.includes(s)) error(`${s} is beside kustomization.yaml but not listed in its resources`);
  const listed = manifests.filter((m) => resources.some((r) => m.file.endsWith(`/${r}`)));
  const kinds = listed.flatMap((m) => {
    const docs = parseAllDocuments(m.text);
    return (Array.isArray(docs) ? docs : [docs]).map((d) => str(obj(d.toJS())['kind']));
  });
  if (kinds.includes('ScaledObject') && kinds.includes('HorizontalPodAutoscaler')) {
    error('lists both a KEDA ScaledObject and an HPA: they would fight over the Deployment\'s replicas');
  }
  // The operator labels a target with the namespace it lives in: the one this kustomization sets.
  const namespace = str(body['namespace']);
  const queries = listed.flatMap((m) => {
    const docs = parseAllDocuments(m.text);
    const scaledObjects = (Array.isArray(docs) ? docs : [docs]).map((d) => obj(d.toJS())).filter((d) => d['kind'] === 'ScaledObject');
    return scaledObjects.flatMap((d) => arr(obj(d['spec'])['triggers']).map((t) => str(obj(obj(t)['metadata'])['query']) ?? ''));
  });
  for (const m of queries.flatMap(queryMatchers).filter((q) => q.label === 'namespace' && q.op === '=')) {
    if (m.value !== namespace) error(`the ScaledObject's query selects namespace="${m.value}", but the manifests go to namespace ${namespace ?? '(none set)'}`);
  }
  return findings;
}

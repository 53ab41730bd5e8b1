// The deployment files under docker/ pass scripts/lint-deploy.ts, and the linter rejects broken ones
// (so this test fails if the linter stops checking).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import {
  REPO_ROOT,
  expectationsFor,
  formatFindings,
  lintCompose,
  lintDeploy,
  lintDockerfile,
  lintDockerignore,
  lintManifests,
  parseDurationSeconds,
  preStopSleepSeconds,
  readServiceFacts,
  type Finding,
} from '../../scripts/lint-deploy.js';

const facts = readServiceFacts(REPO_ROOT);
const read = (rel: string): string => readFileSync(path.join(REPO_ROOT, rel), 'utf8');
const errors = (findings: Finding[]): string[] => findings.filter((f) => f.severity === 'error').map((f) => f.message);
const k8s = (rels: string[]): { file: string; text: string }[] => rels.map((file) => ({ file, text: read(file) }));
const K8S = ['docker/k8s/namespace.yaml', 'docker/k8s/deployment.yaml', 'docker/k8s/service.yaml', 'docker/k8s/pdb.yaml', 'docker/k8s/scaledobject.yaml', 'docker/k8s/servicemonitor.yaml'];

/** Replaces `from` (which must occur) in `text`. */
function edit(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`test fixture: ${String(from)} not found`);
  return out;
}

t.test('the service facts the files are checked against', async (t) => {
  t.ok(facts.routes.includes('/health') && facts.routes.includes('/ready') && facts.routes.includes('/metrics'));
  t.notOk(facts.routes.includes('/generate'), 'only GET routes can be probed');
  t.equal(facts.port, 8080);
  t.ok(facts.drainSeconds > 0);
  t.ok(facts.envNames.includes('EXECUTION_PROVIDERS'));
  t.ok(facts.providers.includes('cuda') && facts.providers.includes('cpu'));
});

t.test('the repository deploy files pass', async (t) => {
  const findings = lintDeploy(REPO_ROOT);
  t.same(errors(findings), [], formatFindings(findings));
});

t.test('Dockerfiles', async (t) => {
  const gpu = read('docker/Dockerfile.gpu');
  const cpu = read('docker/Dockerfile.cpu');
  t.same(errors(lintDockerfile('gpu', gpu, facts, expectationsFor('Dockerfile.gpu'))), []);
  t.same(errors(lintDockerfile('cpu', cpu, facts, expectationsFor('Dockerfile.cpu'))), []);

  const reject = (name: string, text: string, pattern: RegExp, file = 'Dockerfile.gpu'): void => {
    const found = errors(lintDockerfile(file, text, facts, expectationsFor(file)));
    t.ok(found.some((m) => pattern.test(m)), `${name}: ${found.join(' | ') || 'no error'}`);
  };
  reject('syntax error from dockerfile-utils', edit(gpu, 'EXPOSE 8080', 'EXPOSE eighty'), /Invalid containerPort/);
  reject('root user', edit(gpu, 'USER 10001:10001', 'USER root'), /runs as root/);
  reject('no user', edit(gpu, /^USER .*$/m, ''), /no USER/);
  reject('healthcheck on a route that does not exist', edit(gpu, "/health'", "/healthz'"), /\/healthz, not a route/);
  reject('wrong port', edit(cpu, 'EXPOSE 8080', 'EXPOSE 3000'), /must EXPOSE 8080/, 'Dockerfile.cpu');
  reject('loopback host', edit(cpu, 'HOST=0.0.0.0', 'HOST=127.0.0.1'), /HOST=0\.0\.0\.0/, 'Dockerfile.cpu');
  reject('no CUDA provider', edit(gpu, 'EXECUTION_PROVIDERS=cuda,cpu', 'EXECUTION_PROVIDERS=cpu'), /EXECUTION_PROVIDERS=cuda,cpu/);
  reject('misspelt provider', edit(cpu, 'EXECUTION_PROVIDERS=cpu', 'EXECUTION_PROVIDERS=cpux'), /unknown provider/, 'Dockerfile.cpu');
  reject('misspelt variable', edit(cpu, 'LOG_LEVEL=info', 'LOGLEVEL=info'), /LOGLEVEL is not read/, 'Dockerfile.cpu');
  reject('.npmrc skip wins', edit(gpu, /ONNXRUNTIME_NODE_INSTALL=cuda12/, 'ONNXRUNTIME_NODE_INSTALL=skip'), /ONNXRUNTIME_NODE_INSTALL=cuda12/);
  reject('scripts ignored and installer never run', edit(gpu, /&& node node_modules\/onnxruntime-node\/script\/install\.js \\\n/, ''), /no CUDA provider/);
  reject('CUDA 11 base', edit(gpu, '12.8.1-cudnn-runtime-ubuntu24.04', '11.8.0-cudnn8-runtime-ubuntu22.04'), /does not match/);
  reject('shell-form CMD', edit(cpu, /^CMD .*$/m, 'CMD node dist/src/server.js'), /exec \(JSON\) form/, 'Dockerfile.cpu');
  reject('npm start', edit(cpu, /^CMD .*$/m, 'CMD ["npm", "start"]'), /node dist\/src\/server\.js|through npm/, 'Dockerfile.cpu');
  reject('no stop signal', edit(cpu, 'STOPSIGNAL SIGTERM', 'STOPSIGNAL SIGKILL'), /STOPSIGNAL SIGTERM/, 'Dockerfile.cpu');
  reject('single stage', 'FROM node:20-bookworm-slim\nRUN npm ci\n', /multi-stage/, 'Dockerfile.cpu');
});

t.test('dockerignore', async (t) => {
  t.same(errors(lintDockerignore('gpu', read('docker/Dockerfile.gpu.dockerignore'))), []);
  t.match(errors(lintDockerignore('x', undefined)).join(), /missing/);
  t.match(errors(lintDockerignore('x', 'dist\n')).join(), /node_modules/);
  t.match(errors(lintDockerignore('x', '*\n!node_modules\n!src/**\n')).join(), /node_modules/);
});

t.test('compose', async (t) => {
  const compose = read('docker/compose.yaml');
  const dir = path.join(REPO_ROOT, 'docker');
  t.same(errors(lintCompose('compose', compose, facts, dir)), []);
  const reject = (name: string, text: string, pattern: RegExp): void => {
    const found = errors(lintCompose('compose', text, facts, dir));
    t.ok(found.some((m) => pattern.test(m)), `${name}: ${found.join(' | ') || 'no error'}`);
  };
  reject('no GPU reservation', edit(compose, 'capabilities: [gpu]', 'capabilities: [compute]'), /reserves a GPU/);
  reject('grace period shorter than the drain', edit(compose, 'stop_grace_period: 150s', 'stop_grace_period: 30s'), /stop_grace_period/);
  reject('unknown key (schema)', edit(compose, '    image: purrception:gpu', '    image: purrception:gpu\n    gpus_please: true'), /additional properties/);
  reject('no cpu profile', edit(compose, 'profiles: ["cpu"]', 'profiles: ["cpu-only"]'), /"cpu" profile/);
  reject('missing Dockerfile', edit(compose, 'dockerfile: docker/Dockerfile.cpu', 'dockerfile: docker/Dockerfile.arm'), /does not exist/);
  reject('broken YAML', `${compose}\n  : [`, /YAML/);
  t.equal(parseDurationSeconds('2m30s'), 150);
  t.equal(parseDurationSeconds('1h'), 3600);
  t.equal(parseDurationSeconds('soon'), undefined);
});

t.test('Kubernetes manifests', async (t) => {
  const files = k8s(K8S);
  t.same(errors(lintManifests(files, facts)), []);
  const swap = (rel: string, from: string | RegExp, to: string): { file: string; text: string }[] =>
    files.map((f) => (f.file === rel ? { file: f.file, text: edit(f.text, from, to) } : f));
  const reject = (name: string, broken: { file: string; text: string }[], pattern: RegExp): void => {
    const found = errors(lintManifests(broken, facts));
    t.ok(found.some((m) => pattern.test(m)), `${name}: ${found.join(' | ') || 'no error'}`);
  };
  const dep = 'docker/k8s/deployment.yaml';
  reject('schema: port as a string', swap(dep, 'containerPort: 8080', 'containerPort: "8080"'), /schema: .*containerPort must be integer/);
  reject('schema: PDB selector of the wrong type', swap('docker/k8s/pdb.yaml', /matchLabels:[\s\S]*$/, 'matchLabels: 3\n'), /schema:/);
  reject('unknown kind', [...files, { file: 'x.yaml', text: 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n' }], /no schema known/);
  reject('grace period too short', swap(dep, 'terminationGracePeriodSeconds: 150', 'terminationGracePeriodSeconds: 60'), /terminationGracePeriodSeconds 60 must exceed/);
  reject('no preStop', swap(dep, /\n\s+lifecycle:[\s\S]*?command: \["sleep", "10"\]/, ''), /no preStop sleep/);
  reject('liveness on a missing route', swap(dep, 'path: /health', 'path: /healthz'), /\/healthz is not a route/);
  reject('readiness on /health', swap(dep, /(readinessProbe:\s+httpGet:\s+path:) \/ready/, '$1 /health'), /readinessProbe: path \/health, expected \/ready/);
  reject('probe on another port', swap(dep, /(livenessProbe:\s+httpGet:\s+path: \/health\s+port:) http/, '$1 9090'), /port 9090 is not the container port/);
  reject('container port mismatch', swap(dep, 'containerPort: 8080', 'containerPort: 9000'), /no containerPort 8080/);
  reject('no GPU', swap(dep, /limits:\n(\s+)cpu: "4"\n\s+memory: 16Gi\n\s+nvidia\.com\/gpu: 1/, 'limits:\n$1cpu: "4"\n$1memory: 16Gi'), /nvidia\.com\/gpu: 1/);
  reject('writable root', swap(dep, 'readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'), /readOnlyRootFilesystem/);
  reject('root', swap(dep, 'runAsNonRoot: true', 'runAsNonRoot: false'), /runAsNonRoot/);
  reject('Service selects nothing', swap('docker/k8s/service.yaml', /selector:\n\s+app\.kubernetes\.io\/name: purrception/, 'selector:\n    app.kubernetes.io/name: other'), /matches no Deployment/);
  reject('Service targets a missing port', swap('docker/k8s/service.yaml', 'targetPort: http', 'targetPort: grpc'), /targetPort grpc/);
  const so = 'docker/k8s/scaledobject.yaml';
  reject('KEDA: no scaleTargetRef', swap(so, / {2}scaleTargetRef:\n(?: {4}.*\n){3}/, ''), /scaleTargetRef/);
  reject('KEDA: wrong target', swap(so, /(kind: Deployment\n\s+name:) purrception/, '$1 other'), /not among the manifests/);
  reject('KEDA: query on another metric', swap(so, 'query: sum(purrception_queue_depth', 'query: sum(up'), /purrception_queue_depth/);
  reject('KEDA: not prometheus', swap(so, 'type: prometheus', 'type: cpu'), /type prometheus/);
  reject('KEDA: numeric threshold', swap(so, 'threshold: "16"', 'threshold: 16'), /threshold/);
  reject('ServiceMonitor on a missing route', swap('docker/k8s/servicemonitor.yaml', 'path: /metrics', 'path: /stats'), /\/stats is not a route/);
  t.equal(preStopSleepSeconds({ exec: { command: ['/bin/sh', '-c', 'sleep 7'] } }), 7);
  t.equal(preStopSleepSeconds({ sleep: { seconds: 5 } }), 5);
  t.equal(preStopSleepSeconds({}), undefined);
});

t.test('the HPA alternative targets the Deployment and the queue depth', async (t) => {
  const files = k8s(['docker/k8s/deployment.yaml', 'docker/k8s/alternatives/hpa-prometheus-adapter.yaml']);
  t.same(errors(lintManifests(files, facts)), []);
  const broken = files.map((f) => (f.file.includes('hpa') ? { file: f.file, text: edit(f.text, 'name: purrception_queue_depth', 'name: cpu_seconds') } : f));
  t.match(errors(lintManifests(broken, facts)).join(), /purrception_queue_depth/);
});

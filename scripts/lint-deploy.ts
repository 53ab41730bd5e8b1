// Lints the deployment files under docker/ and cross-checks them against the service; each kind of
// file has its module under scripts/deploy-lint/:
//   facts.ts       what the files must agree with: the service's GET routes, port, drain delay,
//                  environment names, providers and the paths it reads at run time
//   images.ts      every Dockerfile, its .dockerignore, and the image's file layout
//   versions.ts    .node-version, the Node builds npm scripts run on, the images' Node and package.json's engines: one LTS line
//   compose.ts     docker/compose.yaml
//   kubernetes.ts  the manifests under docker/k8s and kustomization.yaml
// findings.ts, repository.ts and values.ts serve them all.
//
//   npx tsc -p . && node dist/scripts/lint-deploy.js      exits 1 naming each file and problem
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { lintCompose } from './deploy-lint/compose.js';
import { readServiceFacts } from './deploy-lint/facts.js';
import { formatFindings, type Finding } from './deploy-lint/findings.js';
import { expectationsFor, lintDockerfile, lintDockerignore, lintImageLayout } from './deploy-lint/images.js';
import { lintKustomization, lintManifests } from './deploy-lint/kubernetes.js';
import { REPO_ROOT, repositoryFiles, type TextFile } from './deploy-lint/repository.js';
import { lintNodeVersions } from './deploy-lint/versions.js';

export function lintDeploy(root: string = REPO_ROOT): Finding[] {
  const facts = readServiceFacts(root);
  const read = (rel: string): string => readFileSync(path.join(root, rel), 'utf8');
  const readIfThere = (rel: string): string | undefined => (existsSync(path.join(root, rel)) ? read(rel) : undefined);
  const missing = (file: string): Finding => ({ file, severity: 'error', message: 'missing' });
  const findings: Finding[] = [];
  const docker = repositoryFiles(root, 'docker');
  if (docker.length === 0) return [missing('docker')];

  const dockerfiles: TextFile[] = docker.filter((f) => /^docker\/Dockerfile(\.[\w-]+)?$/.test(f)).map((file) => ({ file, text: read(file) }));
  for (const required of ['docker/Dockerfile.gpu', 'docker/Dockerfile.cpu']) {
    if (!dockerfiles.some((d) => d.file === required)) findings.push(missing(required));
  }
  for (const { file, text } of dockerfiles) {
    findings.push(...lintDockerfile(file, text, facts, expectationsFor(file)));
    const ignoreText = readIfThere(`${file}.dockerignore`);
    findings.push(...lintDockerignore(`${file}.dockerignore`, ignoreText));
    findings.push(...lintImageLayout(file, text, ignoreText, facts, root));
  }
  findings.push(
    ...lintNodeVersions({
      packageJson: read('package.json'),
      packageLock: read('package-lock.json'),
      nodeVersion: readIfThere('.node-version') ?? '',
      dockerfiles,
    }),
  );

  const compose = readIfThere('docker/compose.yaml');
  if (compose === undefined) findings.push(missing('docker/compose.yaml'));
  else findings.push(...lintCompose('docker/compose.yaml', compose, facts, path.join(root, 'docker')));

  const k8sFiles = repositoryFiles(root, 'docker/k8s').filter((f) => /\.ya?ml$/.test(f));
  if (k8sFiles.length === 0) return [...findings, missing('docker/k8s')];
  const kustomization = k8sFiles.find((f) => /^docker\/k8s\/kustomization\.ya?ml$/.test(f));
  const manifests = k8sFiles.filter((f) => f !== kustomization).map((file) => ({ file, text: read(file) }));
  // The set that is applied together is cross-checked together; alternatives only against the schema
  // plus the deployment they refer to.
  const applied = manifests.filter((m) => path.posix.dirname(m.file) === 'docker/k8s');
  const alternatives = manifests.filter((m) => !applied.includes(m));
  findings.push(...lintManifests(applied, facts));
  const deployments = applied.filter((m) => /kind:\s*Deployment\b/.test(m.text));
  for (const alternative of alternatives) {
    findings.push(...lintManifests([...deployments, alternative], facts).filter((f) => f.file === alternative.file));
  }
  if (!kustomization) findings.push(missing('docker/k8s/kustomization.yaml'));
  else findings.push(...lintKustomization(kustomization, read(kustomization), path.join(root, 'docker/k8s'), manifests));
  return findings;
}

function main(): void {
  const findings = lintDeploy(REPO_ROOT);
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning');
  if (findings.length > 0) console.error(formatFindings([...errors, ...warnings]));
  console.log(`lint-deploy: ${errors.length} error(s), ${warnings.length} warning(s)`);
  process.exitCode = errors.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();

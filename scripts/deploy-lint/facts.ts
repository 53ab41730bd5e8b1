// What the deployment files must agree with, read from the service itself: its GET routes from the
// drift-tested openapi/openapi.json, its port, providers, environment names and drain delay from the
// compiled modules that define them; plus the checks of environment entries and URLs that every kind of
// deployment file shares.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULTS, FLAGS, PROVIDERS } from '../../src/config.js';
import { DRAIN_DELAY_MS } from '../../src/limits.js';
import { REPO_ROOT, repositoryFiles } from './repository.js';
import { isObject, obj } from './values.js';

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

/** Environment variables the images may set that the service itself does not read. */
const NON_SERVICE_ENV = new Set(['NODE_ENV', 'NODE_OPTIONS', 'ONNXRUNTIME_NODE_INSTALL', 'TZ']);
const NON_SERVICE_ENV_PREFIXES = ['npm_config_', 'NVIDIA_', 'CUDA_'];

/** `root` holds openapi/openapi.json and src/; the configuration facts are those of the compiled dist/src. */
export function readServiceFacts(root: string = REPO_ROOT): ServiceFacts {
  const openapi: unknown = JSON.parse(readFileSync(path.join(root, 'openapi/openapi.json'), 'utf8'));
  const routes = Object.entries(obj(obj(openapi)['paths']))
    .filter(([, operations]) => isObject(operations) && 'get' in operations)
    .map(([route]) => route);
  if (routes.length === 0) throw new Error('lint-deploy: openapi/openapi.json lists no GET route (regenerate it: npm run openapi)');
  return {
    routes: routes.sort(),
    port: DEFAULTS.port,
    drainSeconds: DRAIN_DELAY_MS / 1000,
    envNames: Object.values(FLAGS),
    providers: [...PROVIDERS],
    runtimePaths: runtimePaths(root),
  };
}

/**
 * Read from the sources: the modules that hold these URLs load fastify and onnxruntime-node on import
 * and do not all export them (the engine's worker URL is private to its client), and each URL is
 * relative to its own module, so the source text is the one list of them all.
 */
function runtimePaths(root: string): string[] {
  const paths = new Set(['package.json', 'node_modules']);
  for (const file of repositoryFiles(root, 'src').filter((f) => f.endsWith('.ts'))) {
    const compiledDir = path.posix.join('dist', path.posix.dirname(file));
    for (const match of readFileSync(path.join(root, file), 'utf8').matchAll(/new URL\(\s*'([^']+)'\s*,\s*import\.meta\.url\s*\)/g)) {
      paths.add(path.posix.normalize(path.posix.join(compiledDir, match[1]!)));
    }
  }
  return [...paths].sort();
}

export function checkEnvName(name: string, facts: ServiceFacts): string | undefined {
  if (facts.envNames.includes(name) || NON_SERVICE_ENV.has(name)) return undefined;
  if (NON_SERVICE_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))) return undefined;
  return `environment variable ${name} is not read by the service (known: ${facts.envNames.join(', ')})`;
}

export function checkEnvValue(name: string, value: string, facts: ServiceFacts): string | undefined {
  if (name === 'EXECUTION_PROVIDERS') {
    const bad = value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s && !facts.providers.includes(s));
    if (bad.length > 0) return `EXECUTION_PROVIDERS=${value} names unknown provider(s) ${bad.join(', ')} (known: ${facts.providers.join(', ')})`;
  }
  if (name === 'PORT' && Number(value) !== facts.port) {
    return `PORT=${value} differs from the port every other file uses (${facts.port})`;
  }
  return undefined;
}

/**
 * The paths of the http(s) URLs written inside a healthcheck command, including one whose port is
 * spliced in by a JavaScript expression ('http://host:'+port+'/health').
 */
export function urlPaths(text: string): string[] {
  const paths: string[] = [];
  for (const match of text.matchAll(/https?:\/\/[^'"\s/]+(?:'\s*\+[^+]*\+\s*')?(\/[A-Za-z0-9_\-/]*)/g)) {
    if (match[1]) paths.push(match[1]);
  }
  return paths;
}

// The only reader of process.env and argv. Everything the service can be told lives here, typed and
// validated; each field's environment name is the flag's name in upper snake case.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from './errors.js';

export const PROVIDERS = ['cpu', 'cuda', 'webgpu'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface Config {
  port: number;
  host: string;
  /**
   * The models to serve: a model directory (manifest.json, step.onnx, decode.onnx), several separated by
   * commas, or a folder of model folders (src/model/repository.ts). The first is the default model.
   */
  modelDir: string;
  /** Ordered: the first provider that loads is used, the rest are fallbacks. */
  executionProviders: Provider[];
  /** Most samples in one step-graph run (per model: each model batches on its own). */
  maxBatch: number;
  /** Most images (samples, n per request) waiting for a batch slot of a model; past it, 503 with Retry-After. */
  queueLimit: number;
  /** Bytes of encoded PNGs kept for seeded requests; 0 disables the cache. */
  cacheBytes: number;
  /** ONNX Runtime intra-op threads of each model's sessions; 0 lets the runtime decide. */
  threads: number;
  /** Largest accepted request body. */
  bodyLimit: number;
  /** Largest accepted body of a request with an image (POST /generate, /generate/stream, /encode). */
  imageBodyLimit: number;
  logLevel: string;
  /** Bearer tokens accepted on every route but /health and /ready; empty: no authentication. */
  apiKeys: string[];
  /** Requests per minute per API key (per client address without keys); 0: no limit. */
  rateLimit: number;
  /** A generation running longer is cancelled and answered 504; 0: no timeout (then a lost answer can wait forever). */
  requestTimeoutMs: number;
  /**
   * How often a model's engine is restarted after its worker dies before the service gives up on it
   * (consecutive crashes; an engine that ran a minute starts the count anew). 0: never restarted.
   */
  engineRestarts: number;
  /** The first restart waits this long; each further one twice as long, at most 30 s. */
  engineRestartDelayMs: number;
  /** Browser origins allowed to call the API cross-origin (CORS); `*` allows any; empty: no CORS headers. */
  corsOrigins: string[];
}

export const BUNDLED_MODEL_DIR = fileURLToPath(new URL('../../models/emoji-zoo-64', import.meta.url));

export const DEFAULTS: Config = {
  port: 8080,
  host: '127.0.0.1',
  modelDir: BUNDLED_MODEL_DIR,
  executionProviders: ['cpu'],
  maxBatch: 16,
  queueLimit: 64,
  cacheBytes: 64 * 1024 * 1024,
  threads: Math.max(1, availableParallelism()),
  bodyLimit: 16 * 1024,
  imageBodyLimit: 8 * 1024 * 1024,
  logLevel: 'info',
  apiKeys: [],
  rateLimit: 0,
  // Longer than a 16-image request at 1000 steps takes on two CPU cores under load; a bound on any bug.
  requestTimeoutMs: 300_000,
  engineRestarts: 5,
  engineRestartDelayMs: 1000,
  corsOrigins: [],
};

/** Each command-line flag and the environment variable it overrides. */
export const FLAGS = {
  port: 'PORT',
  host: 'HOST',
  'model-dir': 'MODEL_DIR',
  'execution-providers': 'EXECUTION_PROVIDERS',
  'provider-fallback': 'PROVIDER_FALLBACK',
  'max-batch': 'MAX_BATCH',
  'queue-limit': 'QUEUE_LIMIT',
  'cache-bytes': 'CACHE_BYTES',
  threads: 'THREADS',
  'body-limit': 'BODY_LIMIT',
  'image-body-limit': 'IMAGE_BODY_LIMIT',
  'log-level': 'LOG_LEVEL',
  'api-keys': 'API_KEYS',
  'rate-limit': 'RATE_LIMIT',
  'request-timeout-ms': 'REQUEST_TIMEOUT_MS',
  'engine-restarts': 'ENGINE_RESTARTS',
  'engine-restart-delay-ms': 'ENGINE_RESTART_DELAY_MS',
  'cors-origins': 'CORS_ORIGINS',
} as const;

function integer(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

export function parseProviders(raw: string): Provider[] {
  const names = raw.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0);
  if (names.length === 0) throw new ConfigError('EXECUTION_PROVIDERS must name at least one provider');
  for (const name of names) {
    if (!(PROVIDERS as readonly string[]).includes(name)) {
      throw new ConfigError(
        `Unsupported execution provider "${name}" in EXECUTION_PROVIDERS. Should be one of: ${PROVIDERS.join(', ')}`,
      );
    }
  }
  return [...new Set(names)] as Provider[];
}

/**
 * PROVIDER_FALLBACK: `warn` (the default) lets the next listed provider take over, with a warning that
 * gives the first one's failure; `fail` keeps only the first, so a GPU pod whose GPU does not work fails
 * start-up instead of serving at CPU speed.
 */
export function applyProviderFallback(providers: Provider[], raw: string): Provider[] {
  if (raw === 'warn') return providers;
  if (raw === 'fail') return providers.slice(0, 1);
  throw new ConfigError(`PROVIDER_FALLBACK must be one of: warn, fail, got "${raw}"`);
}

/** Comma-separated bearer tokens; blanks around commas are ignored, short tokens are refused. */
export function parseApiKeys(raw: string): string[] {
  const keys = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const key of keys) {
    if (key.length < 16) throw new ConfigError('API_KEYS entries must be at least 16 characters long (a guessable key is no key)');
    if (!/^[\x21-\x7e]+$/.test(key)) throw new ConfigError('API_KEYS entries must be printable ASCII without spaces');
  }
  return [...new Set(keys)];
}

/** Comma-separated origins (scheme://host[:port]) or `*`; a path or a typo fails start-up instead of silently never matching. */
export function parseCorsOrigins(raw: string): string[] {
  const entries = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (entries.includes('*')) {
    if (entries.length > 1) throw new ConfigError('CORS_ORIGINS is either * or a list of origins, not both');
    return ['*'];
  }
  // Browsers send the origin normalized (lower-case host, no default port): compare in that form.
  const origins = entries.map((entry) => {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    const plain = url && ['http:', 'https:'].includes(url.protocol) && url.pathname === '/' && !url.search && !url.hash && !url.username;
    if (!url || !plain) {
      throw new ConfigError(`CORS_ORIGINS entries must be * or origins like https://app.example.com (http or https, host, optional port, no path), got "${entry}"`);
    }
    return url.origin;
  });
  return [...new Set(origins)];
}

/** Environment first, flags override it: `--max-batch 8` beats `MAX_BATCH=4`. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  argv: string[] = process.argv.slice(2),
): Config {
  const options = Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }]));
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const raw = (flag: keyof typeof FLAGS): string | undefined => {
    const value = flags[flag] ?? env[FLAGS[flag]];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const pick = <T>(flag: keyof typeof FLAGS, fallback: T, parse: (name: string, s: string) => T): T => {
    const value = raw(flag);
    return value === undefined ? fallback : parse(FLAGS[flag], value);
  };
  const config: Config = {
    port: pick('port', DEFAULTS.port, (n, s) => integer(n, s, 0, 65535)),
    host: pick('host', DEFAULTS.host, (_n, s) => s),
    modelDir: pick('model-dir', DEFAULTS.modelDir, (_n, s) => s),
    executionProviders: applyProviderFallback(
      pick('execution-providers', DEFAULTS.executionProviders, (_n, s) => parseProviders(s)),
      raw('provider-fallback') ?? 'warn',
    ),
    maxBatch: pick('max-batch', DEFAULTS.maxBatch, (n, s) => integer(n, s, 1, 1024)),
    queueLimit: pick('queue-limit', DEFAULTS.queueLimit, (n, s) => integer(n, s, 0, 1_000_000)),
    cacheBytes: pick('cache-bytes', DEFAULTS.cacheBytes, (n, s) => integer(n, s, 0, 2 ** 40)),
    threads: pick('threads', DEFAULTS.threads, (n, s) => integer(n, s, 0, 1024)),
    bodyLimit: pick('body-limit', DEFAULTS.bodyLimit, (n, s) => integer(n, s, 256, 1024 * 1024)),
    imageBodyLimit: pick('image-body-limit', DEFAULTS.imageBodyLimit, (n, s) => integer(n, s, 1024, 64 * 1024 * 1024)),
    logLevel: pick('log-level', DEFAULTS.logLevel, (n, s) => {
      const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
      if (!levels.includes(s)) throw new ConfigError(`${n} must be one of: ${levels.join(', ')}`);
      return s;
    }),
    apiKeys: pick('api-keys', DEFAULTS.apiKeys, (_n, s) => parseApiKeys(s)),
    rateLimit: pick('rate-limit', DEFAULTS.rateLimit, (n, s) => integer(n, s, 0, 1_000_000)),
    requestTimeoutMs: pick('request-timeout-ms', DEFAULTS.requestTimeoutMs, (n, s) => integer(n, s, 0, 24 * 3600 * 1000)),
    engineRestarts: pick('engine-restarts', DEFAULTS.engineRestarts, (n, s) => integer(n, s, 0, 1000)),
    engineRestartDelayMs: pick('engine-restart-delay-ms', DEFAULTS.engineRestartDelayMs, (n, s) => integer(n, s, 1, 30_000)),
    corsOrigins: pick('cors-origins', DEFAULTS.corsOrigins, (_n, s) => parseCorsOrigins(s)),
  };
  if (config.imageBodyLimit < config.bodyLimit) {
    throw new ConfigError(`IMAGE_BODY_LIMIT (${config.imageBodyLimit}) must be at least BODY_LIMIT (${config.bodyLimit}): it raises the limit for bodies with an image`);
  }
  return config;
}

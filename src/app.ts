// buildApp: plugins, routes and the engine; no listen, no process.env (server.ts does both).
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifySchemaValidationError,
  type FastifyServerOptions,
} from 'fastify';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from './config.js';
import { EngineClient } from './engine/client.js';
import { ModelEngines, type ServedModel, type StartEngine } from './engine/lifecycle.js';
import { BodyTooLargeError, InvalidJsonError, MethodNotAllowedError, RateLimitedError, UnsupportedMediaTypeError } from './errors.js';
import { KeyRing, requireApiKey } from './http/auth.js';
import type { ServiceContext } from './http/context.js';
import { clientErrorResponse, errorBody, isHidden, retryAfterOf, statusOf } from './http/error-response.js';
import { ImageCache } from './http/image-cache.js';
import { ServiceMetrics } from './http/metrics.js';
import { encodeRoutes } from './http/routes/encode.js';
import { generateRoutes } from './http/routes/generate.js';
import { healthRoutes, statusRoutes } from './http/routes/status.js';
import { streamRoutes } from './http/routes/stream.js';
import { SHARED_SCHEMAS } from './http/schemas.js';
import { loadModelRepository } from './model/repository.js';

/** The playground: static HTML, JS and CSS. */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public', import.meta.url));

export interface AppOptions {
  config: Config;
  logger?: FastifyServerOptions['logger'];
  /** Start each model's engine from this instead of a worker over its directory (tests, benchmarks). */
  startEngine?: StartEngine;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves when every model's engine is ready; rejects with the reason one could not start. */
    engineReady: Promise<void>;
    /** Resolves with the reason when a model's engine crashed too often to be restarted (server.ts exits then). */
    engineGivenUp: Promise<Error>;
    serviceMetrics: ServiceMetrics;
    /**
     * Starts the drain: /ready and new generations answer 503 DRAINING (the listener stays open) and
     * the promise resolves once the generations under way are answered; close() comes next.
     */
    drain(): Promise<void>;
  }
}

/** The service's version, as package.json gives it (dist/src/app.js -> the package root). */
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The one request body type of every route; fastify's default text/plain parser is removed. */
const BODY_TYPE = 'application/json';

/**
 * Fastify's JSON body errors in the catalogue's words: INVALID_JSON with the parser's own position
 * (Fastify's message has none). Prototype-poisoning refusals keep their message.
 */
function jsonError(error: Error & { code?: string }, text: string): Error {
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new InvalidJsonError('The body is empty: send a JSON object');
  if (error.code !== 'FST_ERR_CTP_INVALID_JSON_BODY') return error;
  try {
    JSON.parse(text);
  } catch (syntax) {
    return new InvalidJsonError(`The body is not valid JSON: ${(syntax as Error).message}`);
  }
  return new InvalidJsonError(`The body is not valid JSON: ${error.message}`);
}

/** True for a JSON body that carries an image: it may be up to IMAGE_BODY_LIMIT bytes. */
function carriesImage(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'image' in json && typeof json.image === 'string';
}

/** Fastify's body errors, in this service's words: which media type it takes, which size it allows. */
function bodyError(error: FastifyError, contentType: string | undefined, config: Config, routeLimit: number | undefined): FastifyError {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const imageRoute = routeLimit === config.imageBodyLimit && config.imageBodyLimit > config.bodyLimit;
    return imageRoute
      ? new BodyTooLargeError(config.imageBodyLimit, 'IMAGE_BODY_LIMIT', ' for a body with an image')
      : new BodyTooLargeError(config.bodyLimit, 'BODY_LIMIT', '');
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new UnsupportedMediaTypeError(
      contentType === undefined
        ? `The request has a body but no Content-Type: send it as ${BODY_TYPE}`
        : `Content-Type ${contentType} is not accepted: send the body as ${BODY_TYPE}`,
    );
  }
  return error;
}

function describeValidation(errors: FastifySchemaValidationError[], dataVar: string): string {
  // Of a union's branches, the one that got furthest names the problem best: the deepest error
  // (body/tau/start over body/tau), and a broken constraint over a branch of the wrong type.
  const candidates = errors.filter((e) => e.keyword !== 'anyOf');
  const deepest = candidates.filter((e) => e.instancePath.length === Math.max(...candidates.map((c) => c.instancePath.length)));
  const error = deepest.find((e) => e.keyword !== 'type') ?? deepest[0] ?? errors[0];
  if (!error) return `${dataVar} is invalid`;
  const where = `${dataVar}${error.instancePath}`;
  if (error.keyword === 'additionalProperties') {
    return `${where} has an unknown field "${String(error.params['additionalProperty'])}"`;
  }
  if (error.instancePath === '/class' && (error.keyword === 'type' || error.keyword === 'anyOf')) {
    return `${where} must be a class id (integer) or a class label (string)`;
  }
  if (error.keyword === 'enum') {
    return `${where} must be one of: ${(error.params['allowedValues'] as unknown[]).join(', ')}`;
  }
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** A model whose graphs run on another provider than the first one asked for serves more slowly: say so. */
function warnOnFallback(app: FastifyInstance, model: ServedModel, config: Config): void {
  const providers = model.engine?.providers;
  const wanted = config.executionProviders[0];
  if (!providers || Object.values(providers).every((p) => p === wanted)) return;
  // The loader's reason is in the PURRCEPTION_PROVIDER_FALLBACK process warning (the worker has no logger).
  app.log.warn(
    { model: model.name, providers, requested: config.executionProviders },
    `engine of ${model.name} fell back from ${wanted}: it serves, more slowly; PROVIDER_FALLBACK=fail refuses to start instead`,
  );
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    return503OnClosing: true, // between the drain's end and the process exit, on kept-alive sockets
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    schemaErrorFormatter: (errors, dataVar) => new Error(describeValidation(errors, dataVar)),
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      // A reset or already-closed socket has nobody to answer.
      if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
      socket.end(clientErrorResponse(err.code));
    },
  });

  // Every method of every path pattern (`:name` matches one segment), for 405 and Allow; routes
  // registered from here on are seen.
  const methodsOf = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    const segments = route.url.split('/').map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')));
    const entry = methodsOf.get(route.url) ?? { pattern: new RegExp(`^${segments.join('/')}$`), methods: new Set<string>() };
    for (const method of [route.method].flat()) entry.methods.add(method);
    methodsOf.set(route.url, entry);
  });
  app.removeContentTypeParser('text/plain');
  // Fastify's own JSON parser, plus one rule: the image routes take IMAGE_BODY_LIMIT bytes (their route
  // bodyLimit), but only a body that carries an image may use them; any other is held to BODY_LIMIT.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString(); // a string already (parseAs); the type also allows a Buffer
    parseJson(request, text, (err, json) => {
      if (err) return done(jsonError(err, text), undefined);
      if (Buffer.byteLength(text) > config.bodyLimit && !carriesImage(json)) {
        const hint = `; a body with an image may have up to ${config.imageBodyLimit} bytes (IMAGE_BODY_LIMIT)`;
        return done(new BodyTooLargeError(config.bodyLimit, 'BODY_LIMIT', hint), undefined);
      }
      done(null, json);
    });
  });

  const metrics = new ServiceMetrics((): [string, number][] => engines.models.map((model) => [model.name, model.engine?.pending ?? 0]));
  // loadModelRepository throws MODEL_INVALID naming the file and field, or the two manifests that share a name.
  const engines: ModelEngines = new ModelEngines(loadModelRepository(config.modelDir), {
    start:
      options.startEngine ??
      ((spec, observer) =>
        EngineClient.start({
          modelDir: spec.dir,
          executionProviders: config.executionProviders,
          maxBatch: config.maxBatch,
          threads: config.threads,
          queueLimit: config.queueLimit,
          observer,
        })),
    observerFor: (name) => metrics.observerFor(name),
    onChange: (model) => {
      metrics.engineChanged(model);
      if (model.state === 'ready') warnOnFallback(app, model, config);
    },
    log: app.log,
    restarts: config.engineRestarts,
    restartDelayMs: config.engineRestartDelayMs,
  });
  const context: ServiceContext = { config, engines, cache: new ImageCache(config.cacheBytes), metrics };
  app.decorate('serviceMetrics', metrics);
  app.decorate('engineReady', engines.ready);
  app.decorate('engineGivenUp', engines.givenUp);
  app.decorate('drain', () => engines.drain());

  // While draining, answers close their connection: a kept-alive socket would otherwise hold the
  // server open until its keep-alive timeout (72 s) after the last in-flight request completes.
  app.addHook('onSend', async (_request, reply) => {
    if (engines.state() === 'draining') reply.header('Connection', 'close');
  });
  app.addHook('preClose', async () => {
    void engines.drain();
  });
  app.addHook('onClose', async () => {
    await engines.close();
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((raised: FastifyError, request, reply) => {
    const error = bodyError(raised, request.headers['content-type'], config, request.routeOptions.bodyLimit);
    const status = statusOf(error);
    if (status === 499) return; // the client went away: nobody is there to answer
    if (status === 503) reply.header('Retry-After', String(retryAfterOf(error)));
    if (status === 401) reply.header('WWW-Authenticate', 'Bearer');
    if (isHidden(status)) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send(errorBody(error));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const methods = new Set([...methodsOf.values()].filter(({ pattern }) => pattern.test(path)).flatMap((e) => [...e.methods]));
    if (methods.size > 0) {
      const allow = [...methods].sort().join(', ');
      return reply.code(405).header('Allow', allow).send(errorBody(new MethodNotAllowedError(request.method, path, allow)));
    }
    return reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: `No route ${request.method} ${path}` });
  });

  await app.register(swagger, {
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Purrception image generation',
        description: 'Class-conditional image generation with Purrception (variational flow matching over VQ latents) models.',
        version: VERSION,
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: 'http://127.0.0.1:8080', description: 'A local server (npm start); clients pass their own base URL' }],
      tags: [
        { name: 'generate', description: 'Image generation' },
        { name: 'encode', description: 'The tokenizer: what the model keeps of an image' },
        { name: 'models', description: 'The models this server runs' },
        { name: 'status', description: 'Liveness, readiness and metrics' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'Only when the server sets API_KEYS; /health and /ready never need it' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // Browsers on other origins (CORS_ORIGINS): off unless configured; preflights need no API key.
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      methods: ['GET', 'HEAD', 'POST'],
      allowedHeaders: ['Content-Type', 'Authorization', 'Accept'],
      exposedHeaders: ['X-Model', 'X-Seed', 'X-Class', 'X-Cache', 'X-Mean-Entropy', 'Server-Timing', 'Retry-After'],
      maxAge: 600,
    });
  }
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  // Open to everyone: liveness and readiness (probes carry no keys), the playground's static files
  // (no data, no compute) and the API docs.
  healthRoutes(app, context);
  await app.register(fastifyStatic, { root: PUBLIC_DIR, wildcard: false, schemaHide: true, cacheControl: false });

  // Behind the API key (when API_KEYS is set) and the per-key rate limit (when RATE_LIMIT is set):
  // an encapsulated scope, so what is protected is decided by where a route is registered.
  const keys = new KeyRing(config.apiKeys);
  await app.register(async (api) => {
    api.addHook('onRequest', requireApiKey(keys));
    // In the document whether or not this server has keys: {} says the key is optional.
    api.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, security: [{ bearerAuth: [] }, {}] };
    });
    if (config.rateLimit > 0) {
      await api.register(rateLimit, {
        max: config.rateLimit,
        timeWindow: 60_000,
        keyGenerator: (request) => request.apiKeyId ?? request.ip,
        errorResponseBuilder: (_request, limit) => new RateLimitedError(limit.max, limit.after),
      });
    }
    statusRoutes(api, context);
    generateRoutes(api, context);
    streamRoutes(api, context);
    encodeRoutes(api, context);
  });
  return app;
}

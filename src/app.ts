// buildApp: plugins, routes and the engine; no listen, no process.env (server.ts does both).
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifySchemaValidationError,
  type FastifyServerOptions,
} from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from './config.js';
import { EngineClient, type Engine } from './engine/client.js';
import { NotReadyError, ShuttingDownError } from './errors.js';
import type { ServiceContext, ServiceState } from './http/context.js';
import { ImageCache } from './http/image-cache.js';
import { ServiceMetrics } from './http/metrics.js';
import { generateRoutes } from './http/routes/generate.js';
import { statusRoutes } from './http/routes/status.js';
import { ErrorResponse } from './http/schemas.js';
import { loadModelSpec } from './model/manifest.js';

export interface AppOptions {
  config: Config;
  logger?: FastifyServerOptions['logger'];
  /** Start the engine from this instead of a worker over config.modelDir (tests, benchmarks). */
  startEngine?: (observer: ServiceMetrics) => Promise<Engine>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves when the engine is ready; rejects with the reason it could not start. */
    engineReady: Promise<void>;
    serviceMetrics: ServiceMetrics;
  }
}

const VERSION = '0.1.0';

function describeValidation(errors: FastifySchemaValidationError[], dataVar: string): string {
  const error = errors.find((e) => e.keyword !== 'anyOf') ?? errors[0];
  if (!error) return `${dataVar} is invalid`;
  const where = `${dataVar}${error.instancePath}`;
  if (error.keyword === 'additionalProperties') {
    return `${where} has an unknown field "${String(error.params['additionalProperty'])}"`;
  }
  if (error.instancePath === '/class' && (error.keyword === 'type' || error.keyword === 'anyOf')) {
    return `${where} must be a class id (integer) or a class label (string)`;
  }
  return `${where} ${error.message ?? 'is invalid'}`;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const spec = loadModelSpec(config.modelDir); // throws MODEL_INVALID naming the file and field
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    schemaErrorFormatter: (errors, dataVar) => new Error(describeValidation(errors, dataVar)),
  });

  let engine: Engine | undefined;
  let state: ServiceState = 'loading';
  const metrics = new ServiceMetrics(() => engine?.pending ?? 0);
  const context: ServiceContext = {
    config,
    manifest: spec.manifest,
    cache: new ImageCache(config.cacheBytes),
    metrics,
    engine() {
      if (state === 'draining') throw new ShuttingDownError();
      if (!engine || state !== 'ready') throw new NotReadyError();
      return engine;
    },
    state: () => state,
    providers: () => engine?.providers,
  };

  const start =
    options.startEngine ??
    ((observer: ServiceMetrics) =>
      EngineClient.start({
        modelDir: config.modelDir,
        executionProviders: config.executionProviders,
        maxBatch: config.maxBatch,
        threads: config.threads,
        queueLimit: config.queueLimit,
        observer,
      }));
  app.decorate('serviceMetrics', metrics);
  app.decorate(
    'engineReady',
    start(metrics).then(
      (started) => {
        engine = started;
        state = 'ready';
        const providers = started.providers;
        if (providers) {
          for (const [graph, provider] of Object.entries(providers)) metrics.provider.set({ graph, provider }, 1);
          app.log.info({ providers }, 'engine ready');
        }
      },
      (err: unknown) => {
        state = 'failed';
        throw err;
      },
    ),
  );
  app.engineReady.catch(() => undefined); // observed by server.ts and tests; no unhandled rejection here

  app.addHook('preClose', async () => {
    state = 'draining';
  });
  app.addHook('onClose', async () => {
    await app.engineReady.catch(() => undefined);
    await engine?.close();
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.validation ? 400 : (error.statusCode ?? 500);
    if (status === 499) return; // the client went away: nobody is there to answer
    if (status === 503) reply.header('Retry-After', '1');
    if (status >= 500 && status !== 503) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ statusCode: status, code: error.code ?? 'INTERNAL', error: 'Internal Server Error', message: 'The server failed to generate this image; the error is logged' });
    }
    const code = error.validation ? 'INVALID_REQUEST' : (error.code ?? 'BAD_REQUEST');
    return reply.code(status).send({ statusCode: status, code, error: httpReason(status), message: error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: `No route ${request.method} ${request.url.split('?')[0]}` }),
  );

  await app.register(swagger, {
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Purrception image generation', description: 'Class-conditional image generation with Purrception (variational flow matching over VQ latents) models.', version: VERSION },
      tags: [{ name: 'generate' }, { name: 'models' }, { name: 'status' }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.addSchema(ErrorResponse);
  statusRoutes(app, context);
  generateRoutes(app, context);
  return app;
}

function httpReason(status: number): string {
  const reasons: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 503: 'Service Unavailable' };
  return reasons[status] ?? 'Error';
}

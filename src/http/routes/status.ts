// GET /health and /ready (always open), /models, /models/{name} and /metrics (behind the API key when
// keys are set).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { LIMITS, MAX_INPUT_PIXELS } from '../../limits.js';
import { hasEncoder, objectiveOf } from '../../model/manifest.js';
import { refusedFields } from '../sampling.js';
import { errorBody, retryAfterOf } from '../error-response.js';
import { ModelInfo, ModelList, NotReady, Status, errorResponses } from '../schemas.js';
import type { ServedModel } from '../../engine/lifecycle.js';
import { EngineFailedError } from '../../errors.js';
import { modelNamed, type ServiceContext } from '../context.js';

/** Each model's engine state, for the 503s of /ready and /health. */
function states(context: ServiceContext): Record<string, string> {
  return Object.fromEntries(context.engines.models.map((model) => [model.name, model.state]));
}

export function healthRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get(
    '/health',
    {
      schema: {
        summary: 'The process is alive (also while draining); 503 once a model\'s engine crashed too often to be restarted',
        operationId: 'getHealth',
        tags: ['status'],
        security: [],
        response: {
          200: { ...Status, description: '{"status": "ok"} while the process can serve' },
          503: { ...NotReady, description: 'ENGINE_FAILED: an engine crashed ENGINE_RESTARTS + 1 times in a row; the process must be restarted' },
        },
      },
    },
    async (_request, reply) => {
      const { engines } = context;
      if (engines.alive()) return { status: 'ok' };
      const dead = engines.models.filter((model) => model.state === 'crashed').map((model) => model.name);
      const error = new EngineFailedError(`The engine of ${dead.join(', ')} crashed too often in a row and is not restarted: restart this process`);
      return reply.code(503).send({ status: 'crashed', ...errorBody(error), models: states(context) });
    },
  );

  app.get(
    '/ready',
    {
      schema: {
        summary: 'Every model is loaded and warmed up, and the server is not draining',
        operationId: 'getReady',
        tags: ['status'],
        security: [],
        response: {
          200: { ...Status, description: '{"status": "ready"}' },
          503: { ...NotReady, headers: { 'Retry-After': { description: 'Seconds to wait before asking again', type: 'integer' } } },
        },
      },
    },
    async (_request, reply) => {
      const { engines } = context;
      const status = engines.state();
      const error = engines.unavailable();
      if (error === undefined) return { status };
      return reply
        .code(503)
        .header('Retry-After', String(retryAfterOf(error)))
        .send({ status, ...errorBody(error), models: states(context) });
    },
  );
}

export function statusRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { metrics } = context;
  const { models } = context.engines;
  const info = (model: ServedModel) => {
    const { maxBatch, queueLimit, bodyLimit, imageBodyLimit } = context.config;
    return {
      ...model.manifest,
      objective: objectiveOf(model.manifest),
      refusedFields: refusedFields(model.manifest),
      imageInput: hasEncoder(model.manifest),
      providers: model.engine?.providers ?? { step: 'loading', decode: 'loading' },
      limits: { maxBatch, queueLimit, maxImages: LIMITS.n.max, bodyLimit, imageBodyLimit, maxInputPixels: MAX_INPUT_PIXELS },
    };
  };

  app.get(
    '/models',
    {
      schema: {
        summary: 'Every served model: labels, image size, defaults, whether it takes images, limits',
        operationId: 'getModels',
        tags: ['models'],
        response: { 200: ModelList, ...errorResponses(401, 429) },
      },
    },
    async () => ({ default: models[0]!.name, models: models.map(info) }),
  );

  app.get<{ Params: { name: string } }>(
    '/models/:name',
    {
      schema: {
        summary: 'One served model, by name',
        operationId: 'getModel',
        tags: ['models'],
        params: { type: 'object', properties: { name: { type: 'string', description: 'The model\'s name (its manifest\'s `name`)' } }, required: ['name'] },
        response: { 200: { ...Type.Ref(ModelInfo), description: 'The model' }, ...errorResponses(401, 404, 429) },
      },
    },
    async (request) => info(modelNamed(models, request.params.name, 'path')),
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        operationId: 'getMetrics',
        tags: ['status'],
        response: {
          200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...errorResponses(401, 429),
        },
      },
    },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
}

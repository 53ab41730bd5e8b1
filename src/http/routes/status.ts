// GET /health and /ready (always open), /models and /metrics (behind the API key when keys are set).
import type { FastifyInstance } from 'fastify';
import { LIMITS, MAX_INPUT_PIXELS } from '../../limits.js';
import { hasEncoder } from '../../model/manifest.js';
import { errorBody } from '../error-response.js';
import { ModelInfo, NotReady, Status, errorResponses } from '../schemas.js';
import { unavailable, type ServiceContext } from '../context.js';

export function healthRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get(
    '/health',
    {
      schema: {
        summary: 'The process is alive (also while draining)',
        operationId: 'getHealth',
        tags: ['status'],
        security: [],
        response: { 200: { ...Status, description: 'Always {"status": "ok"} while the process answers' } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      schema: {
        summary: 'The model is loaded and warmed up, and the server is not draining',
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
      const status = context.state();
      const error = unavailable(status);
      if (error === undefined) return { status };
      return reply.code(503).header('Retry-After', '1').send({ status, ...errorBody(error) });
    },
  );
}

export function statusRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { manifest, metrics } = context;

  app.get(
    '/models',
    {
      schema: {
        summary: 'The loaded model: labels, image size, defaults, whether it takes images, limits',
        operationId: 'getModels',
        tags: ['models'],
        response: { 200: { ...ModelInfo, description: 'The model this server runs' }, ...errorResponses(401, 429) },
      },
    },
    async () => {
      const { maxBatch, queueLimit, bodyLimit, imageBodyLimit } = context.config;
      return {
        ...manifest,
        imageInput: hasEncoder(manifest),
        providers: context.providers() ?? { step: 'loading', decode: 'loading' },
        limits: { maxBatch, queueLimit, maxImages: LIMITS.n.max, bodyLimit, imageBodyLimit, maxInputPixels: MAX_INPUT_PIXELS },
      };
    },
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

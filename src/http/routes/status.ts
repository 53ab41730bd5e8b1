// GET /health and /ready (always open), /models and /metrics (behind the API key when keys are set).
import type { FastifyInstance } from 'fastify';
import { LIMITS } from '../../limits.js';
import { ModelInfo, Status } from '../schemas.js';
import type { ServiceContext } from '../context.js';

export function healthRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get('/health', { schema: { summary: 'The process is alive', tags: ['status'], response: { 200: Status } } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/ready',
    {
      schema: {
        summary: 'The model is loaded and warmed up, and the server is not draining',
        tags: ['status'],
        response: { 200: Status, 503: Status },
      },
    },
    async (_request, reply) => {
      const state = context.state();
      return reply.code(state === 'ready' ? 200 : 503).send({ status: state });
    },
  );
}

export function statusRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { manifest, metrics } = context;

  app.get(
    '/models',
    {
      schema: {
        summary: 'The loaded model: labels, image size, defaults',
        operationId: 'getModels',
        tags: ['models'],
        response: { 200: ModelInfo },
      },
    },
    async () => ({
      ...manifest,
      providers: context.providers() ?? { step: 'loading', decode: 'loading' },
      limits: { maxBatch: context.config.maxBatch, queueLimit: context.config.queueLimit, maxImages: LIMITS.n.max },
    }),
  );

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['status'], produces: ['text/plain'] } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}

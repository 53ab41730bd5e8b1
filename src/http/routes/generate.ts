// POST /generate: validate, resolve defaults, serve from the cache or the engine, encode the PNG.
import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { UnknownClassError } from '../../errors.js';
import { encodePng } from '../../image/encode.js';
import { ImageCache } from '../image-cache.js';
import { ErrorResponse, GenerateBody, PngResponse } from '../schemas.js';
import type { ServiceContext } from '../context.js';
import type { Manifest } from '../../model/manifest.js';
import type { SampleRequest } from '../../engine/protocol.js';

export function resolveClass(manifest: Manifest, value: number | string): number {
  const { labels, num_classes: numClasses } = manifest;
  if (typeof value === 'number') {
    if (value < numClasses) return value;
    throw new UnknownClassError(`body/class ${value} is out of range: this model has class ids 0..${numClasses - 1}`);
  }
  const id = labels.indexOf(value);
  if (id >= 0) return id;
  throw new UnknownClassError(`body/class "${value}" is not a label of this model. Should be one of: ${labels.join(', ')}`);
}

export function toSampleRequest(manifest: Manifest, body: GenerateBody): SampleRequest {
  const { defaults } = manifest;
  return {
    classId: resolveClass(manifest, body.class),
    tau: body.tau ?? defaults.tau,
    cfg: body.cfg ?? defaults.cfg,
    steps: body.steps ?? defaults.steps,
    seed: body.seed ?? randomInt(0, 2 ** 32),
  };
}

export function generateRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { manifest, cache, metrics } = context;
  app.post<{ Body: GenerateBody }>(
    '/generate',
    {
      schema: {
        summary: 'Generate one image of a class',
        description: 'Samples z_0 from the seed, runs `steps` Euler steps of the Purrception sampler with guidance `cfg` and temperature `tau`, decodes and answers a PNG.',
        operationId: 'generate',
        tags: ['generate'],
        body: GenerateBody,
        response: { 200: PngResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const sample = toSampleRequest(manifest, request.body);
      const engine = context.engine();
      const key = request.body.seed === undefined ? undefined : ImageCache.key(manifest.name, sample);
      const cached = key === undefined ? undefined : cache.get(key);
      if (key !== undefined) metrics.cache.inc({ result: cached ? 'hit' : 'miss' });
      reply.header('X-Seed', String(sample.seed)).header('X-Class', manifest.labels[sample.classId]);
      if (cached) return reply.header('X-Cache', 'hit').type('image/png').send(cached);

      // The client going away cancels the work: its samples leave the batch at the next iteration.
      const abort = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      let result;
      try {
        result = await engine.generate(sample, abort.signal);
      } catch (err) {
        metrics.samples.inc({ outcome: abort.signal.aborted ? 'cancelled' : 'failed' });
        throw err;
      }
      metrics.samples.inc({ outcome: 'done' });
      const encodeStarted = performance.now();
      const png = await encodePng(result.pixels, result.width, result.height);
      const encodeMs = performance.now() - encodeStarted;
      if (key !== undefined) cache.set(key, png);
      return reply
        .header('X-Cache', key === undefined ? 'off' : 'miss')
        .header('X-Mean-Entropy', result.meanEntropy.toFixed(4))
        .header(
          'Server-Timing',
          `queue;dur=${result.queueMs.toFixed(1)}, sample;dur=${result.computeMs.toFixed(1)}, encode;dur=${encodeMs.toFixed(1)}`,
        )
        .type('image/png')
        .send(png);
    },
  );
}

// POST /generate: validate, resolve defaults, serve from the cache or the engine (n samples that batch
// together), answer one image (a grid for n > 1) or, with Accept: application/json, every image in JSON.
import type { FastifyInstance } from 'fastify';
import { InvalidOptionError } from '../../errors.js';
import { DEFAULT_QUALITY, encodeImage } from '../../image/encode.js';
import { tile } from '../../image/grid.js';
import type { SampleResult } from '../../engine/protocol.js';
import { requestSignal } from '../cancellation.js';
import { ImageCache } from '../image-cache.js';
import { renderImage } from '../render.js';
import { sampleTogether, toSampleRequest, withSeeds } from '../sampling.js';
import { ErrorResponse, GenerateBody, GenerateResponse, MEDIA_TYPES, type GenerateJson } from '../schemas.js';
import type { ServiceContext } from '../context.js';

/** JSON when the client lists application/json in Accept; the image otherwise. */
export function wantsJson(accept: string | undefined): boolean {
  return accept !== undefined && /(^|[\s,])application\/json\b/i.test(accept);
}

/** Outcome label of a failed generation, for purrception_samples_total. */
export function outcomeOf(err: unknown): string {
  const code = (err as { code?: string }).code;
  return code === 'REQUEST_CANCELLED' ? 'cancelled' : code === 'REQUEST_TIMEOUT' ? 'timeout' : 'failed';
}

export function serverTiming(results: readonly SampleResult[], encodeMs: number): string {
  // The samples ran together: the slowest one is the request's time.
  const queue = Math.max(...results.map((r) => r.queueMs));
  const sample = Math.max(...results.map((r) => r.computeMs));
  return `queue;dur=${queue.toFixed(1)}, sample;dur=${sample.toFixed(1)}, encode;dur=${encodeMs.toFixed(1)}`;
}

export function generateRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { manifest, cache, metrics, config } = context;
  app.post<{ Body: GenerateBody }>(
    '/generate',
    {
      schema: {
        summary: 'Generate images of a class',
        description:
          'Samples z_0 from the seed, runs `steps` steps of the Purrception sampler (Euler or Heun) with guidance `cfg` and temperature `tau` ' +
          '(constant or a schedule in t), decodes and answers the image (a grid for n > 1), or JSON with every image for Accept: application/json.',
        operationId: 'generate',
        tags: ['generate'],
        body: GenerateBody,
        response: { 200: GenerateResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const json = wantsJson(request.headers.accept);
      const first = toSampleRequest(manifest, body);
      if (first.uncertainty && !json) {
        throw new InvalidOptionError('body/uncertainty needs Accept: application/json (or POST /generate/stream): an image answer has no room for the heatmaps');
      }
      const n = body.n ?? 1;
      const format = body.format ?? 'png';
      const quality = body.quality ?? DEFAULT_QUALITY;
      const samples = withSeeds(first, n);
      const engine = context.engine();
      reply.header('Vary', 'Accept').header('X-Seed', String(first.seed)).header('X-Class', manifest.labels[first.classId]);

      // Seeded image answers are cached; the key holds everything that changes their bytes.
      const { classId, tau, cfg, steps, seed, sampler } = first;
      const key = json || body.seed === undefined ? undefined : ImageCache.key(manifest.name, { classId, tau, cfg, steps, seed, sampler, n, format, quality });
      const cached = key === undefined ? undefined : cache.get(key);
      if (key !== undefined) metrics.cache.inc({ result: cached ? 'hit' : 'miss' });
      if (cached) return reply.header('X-Cache', 'hit').type(MEDIA_TYPES[format]).send(cached);

      const cancellation = requestSignal(reply, config.requestTimeoutMs);
      let results: SampleResult[];
      try {
        results = await sampleTogether(engine, samples, config, cancellation.signal);
      } catch (err) {
        metrics.samples.inc({ outcome: outcomeOf(err) }, n);
        throw err;
      } finally {
        cancellation.dispose();
      }
      metrics.samples.inc({ outcome: 'done' }, n);
      const meanEntropy = results.reduce((sum, r) => sum + r.meanEntropy, 0) / n;
      reply.header('X-Cache', key === undefined ? 'off' : 'miss').header('X-Mean-Entropy', meanEntropy.toFixed(4));

      const encodeStarted = performance.now();
      if (json) {
        const images = await Promise.all(results.map((r, i) => renderImage(r, samples[i]!.seed, { format, quality }, manifest.codebook_size)));
        const answer: GenerateJson = { class: manifest.labels[classId]!, classId, sampler: sampler ?? 'euler', steps, images };
        return reply.header('Server-Timing', serverTiming(results, performance.now() - encodeStarted)).type('application/json').send(answer);
      }
      const grid = tile(results);
      const bytes = await encodeImage(grid.pixels, grid.width, grid.height, format, quality);
      if (key !== undefined) cache.set(key, bytes);
      return reply.header('Server-Timing', serverTiming(results, performance.now() - encodeStarted)).type(MEDIA_TYPES[format]).send(bytes);
    },
  );
}

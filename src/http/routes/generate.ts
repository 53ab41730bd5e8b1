// POST /generate: validate, resolve defaults (and the image input), serve from the cache or the engine
// (n samples that batch together), answer one image (a grid for n > 1) or, when Accept prefers
// application/json, every image in JSON.
import type { FastifyInstance } from 'fastify';
import { InvalidOptionError, NotAcceptableError } from '../../errors.js';
import { DEFAULT_QUALITY, encodeImage } from '../../image/encode.js';
import { tile } from '../../image/grid.js';
import type { SampleResult } from '../../engine/protocol.js';
import { samplesCodes } from '../../model/manifest.js';
import { runGeneration } from '../generation.js';
import { ImageCache } from '../image-cache.js';
import { readImageFields } from '../image-input.js';
import { renderImage } from '../render.js';
import { toSampleRequest, withSeeds } from '../sampling.js';
import { negotiate } from '../negotiate.js';
import { FORMATS, GenerateBody, GenerateResponse, MEDIA_TYPES, errorResponses, type GenerateJson, type ImageFormat } from '../schemas.js';
import { modelNamed, type ServiceContext } from '../context.js';

/**
 * What the answer is: JSON or an image, and the image format. `format` in the body fixes the format;
 * without it Accept chooses among png, webp and jpeg (png first, for Accept: *\/* or none).
 */
function answerKind(accept: string | undefined, format: ImageFormat | undefined): { json: boolean; format: ImageFormat } {
  const formats = format === undefined ? FORMATS : [format];
  const offers = [...formats.map((f) => MEDIA_TYPES[f]), 'application/json'];
  const chosen = negotiate(accept, offers);
  if (chosen === undefined) {
    throw new NotAcceptableError(`Accept "${accept ?? ''}" allows none of what this request can answer: ${offers.join(', ')}`);
  }
  const json = chosen === 'application/json';
  return { json, format: format ?? (json ? 'png' : formats.find((f) => MEDIA_TYPES[f] === chosen)!) };
}

export function serverTiming(results: readonly SampleResult[], encodeMs: number): string {
  // The samples ran together: the slowest one is the request's time.
  const queue = Math.max(...results.map((r) => r.queueMs));
  const sample = Math.max(...results.map((r) => r.computeMs));
  return `queue;dur=${queue.toFixed(1)}, sample;dur=${sample.toFixed(1)}, encode;dur=${encodeMs.toFixed(1)}`;
}

export function generateRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { cache, metrics, config } = context;
  app.post<{ Body: GenerateBody }>(
    '/generate',
    {
      bodyLimit: config.imageBodyLimit, // a body without an image is held to BODY_LIMIT by the JSON parser (app.ts)
      schema: {
        summary: 'Generate images of a class, from noise or from an image',
        description:
          'Samples z_0 from the seed, runs `steps` steps of the Purrception sampler (euler, heun, multistep or logsnr-multistep, on a uniform, quadratic or early time grid) with guidance `cfg` (within the `guidance` interval) and temperature `tau` ' +
          '(constant or a schedule in t), decodes and answers the image (a grid for n > 1), or JSON with every image for Accept: application/json. ' +
          'A dfm model instead samples codes from all-mask with the DFM sampler, its draws from the seed. ' +
          'With `image`, sampling starts from the encoded image at t0 = 1 - strength (variations; another `class` for a class transfer), and ' +
          'with `mask` only the masked cells are regenerated (inpainting).',
        operationId: 'generate',
        tags: ['generate'],
        body: GenerateBody,
        response: { 200: GenerateResponse, ...errorResponses(400, 401, 406, 413, 415, 429, 500, 503, 504) },
      },
    },
    async (request, reply) => {
      const { body } = request;
      reply.header('Vary', 'Accept');
      const { json, format } = answerKind(request.headers.accept, body.format);
      const model = modelNamed(context.engines.models, body.model);
      const { manifest } = model;
      const first = toSampleRequest(manifest, body);
      if (first.uncertainty && !json) {
        throw new InvalidOptionError('body/uncertainty needs Accept: application/json (or POST /generate/stream): an image answer has no room for the heatmaps');
      }
      if (body.codes && !json) {
        throw new InvalidOptionError('body/codes needs Accept: application/json (or POST /generate/stream): an image answer has no room for the code grids');
      }
      if (body.quality !== undefined && format === 'png') {
        throw new InvalidOptionError('body/quality applies to webp and jpeg only: png is lossless. Set format to webp or jpeg, or leave quality out');
      }
      const input = await readImageFields(manifest, body); // bad images are refused before anything is queued
      const n = body.n ?? 1;
      const quality = body.quality ?? DEFAULT_QUALITY;
      reply.header('X-Model', model.name).header('X-Seed', String(first.seed)).header('X-Class', manifest.labels[first.classId]);
      // Seeded image answers are cached; the key holds everything that changes their bytes.
      const { classId, tau, cfg, steps, seed, sampler, grid: timeGrid, guidance } = first;
      const image = input ? { image: input.digest, strength: input.strength } : {};
      const key = json || body.seed === undefined ? undefined : ImageCache.key(manifest.name, { classId, tau, cfg, steps, seed, sampler, grid: timeGrid, guidance, n, format, quality, ...image });
      return runGeneration(context, reply, { model, samples: withSeeds(first, n), input }, {
        cached: () => {
          if (key === undefined) return undefined;
          const cached = cache.get(key);
          metrics.cache.inc({ result: cached ? 'hit' : 'miss' });
          return cached && reply.header('X-Cache', 'hit').type(MEDIA_TYPES[format]).send(cached);
        },
        render: async (results, samples) => {
          reply.header('X-Cache', key === undefined ? 'off' : 'miss');
          const entropies = results.flatMap((r) => (r.meanEntropy === undefined ? [] : [r.meanEntropy]));
          if (entropies.length === n) reply.header('X-Mean-Entropy', (entropies.reduce((sum, e) => sum + e, 0) / n).toFixed(4));
          const encodeStarted = performance.now();
          if (json) {
            const options = { format, quality, codes: body.codes ? manifest.latent : undefined };
            const images = await Promise.all(results.map((r, i) => renderImage(r, samples[i]!.seed, options, manifest.codebook_size)));
            const answer: GenerateJson = { model: model.name, class: manifest.labels[classId]!, classId, sampler: samplesCodes(manifest) ? 'dfm' : (sampler ?? 'euler'), steps, images };
            return reply.header('Server-Timing', serverTiming(results, performance.now() - encodeStarted)).type('application/json').send(answer);
          }
          const grid = tile(results);
          const bytes = await encodeImage(grid.pixels, grid.width, grid.height, format, quality);
          if (key !== undefined) cache.set(key, bytes);
          return reply.header('Server-Timing', serverTiming(results, performance.now() - encodeStarted)).type(MEDIA_TYPES[format]).send(bytes);
        },
      });
    },
  );
}

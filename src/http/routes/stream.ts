// POST /generate/stream: one image with its progress as server-sent events.
//   queued {position} -> step {step, steps} per step -> preview {...} every previewEvery steps
//   -> done {class, seed, data, ...} | error {statusCode, code, error, message}
// Each event's data also carries its name in `type`. Validation and readiness errors come before the
// stream opens, as ordinary JSON errors. Closing the connection cancels the sample (it leaves the
// batch at the next iteration).
import type { FastifyInstance } from 'fastify';
import { NotAcceptableError } from '../../errors.js';
import { encodeSmallPng } from '../../image/encode.js';
import { PREVIEW_MAX_SIDE } from '../../limits.js';
import { runGeneration } from '../generation.js';
import { errorBody, isHidden, statusOf } from '../error-response.js';
import { readImageFields } from '../image-input.js';
import { renderImage } from '../render.js';
import { toSampleRequest } from '../sampling.js';
import { negotiate } from '../negotiate.js';
import { StreamBody, StreamResponse, errorResponses, type StreamEvent } from '../schemas.js';
import { modelNamed, type ServiceContext } from '../context.js';

/** One server-sent event; data is one JSON line. */
export function sseEvent(data: StreamEvent): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function streamRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { config } = context;
  app.post<{ Body: StreamBody }>(
    '/generate/stream',
    {
      bodyLimit: config.imageBodyLimit, // a body without an image is held to BODY_LIMIT by the JSON parser (app.ts)
      schema: {
        summary: 'Generate one image, streaming progress and previews (server-sent events)',
        description:
          'The same sampling fields as POST /generate (image, strength and mask included), plus previewEvery. The uncertainty maps and ' +
          'the code grid, when asked for, come in the done event.',
        operationId: 'generateStream',
        tags: ['generate'],
        body: StreamBody,
        response: { 200: StreamResponse, ...errorResponses(400, 401, 406, 413, 415, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const { body } = request;
      if (negotiate(request.headers.accept, ['text/event-stream']) === undefined) {
        throw new NotAcceptableError(`Accept "${request.headers.accept ?? ''}" does not allow text/event-stream, the only answer of this route`);
      }
      const model = modelNamed(context.engines.models, body.model);
      const { manifest } = model;
      const first = { ...toSampleRequest(manifest, body), progress: true, ...(body.previewEvery ? { previewEvery: body.previewEvery } : {}) };
      const input = await readImageFields(manifest, body);
      const raw = reply.raw;
      const write = (event: StreamEvent): void => {
        if (!raw.destroyed && !raw.writableEnded) raw.write(sseEvent(event));
      };
      // Previews are encoded off the engine's path; the chain keeps events in the engine's order.
      let events: Promise<void> = Promise.resolve();
      let opened = false;
      try {
        // Until the stream opens (after admission and the image's encode), an error is a plain JSON answer.
        await runGeneration(context, reply, { model, samples: [first], input }, {
          onStart: ([sample]) => {
            reply.hijack();
            opened = true;
            raw.writeHead(200, {
              'content-type': 'text/event-stream; charset=utf-8',
              'cache-control': 'no-cache, no-transform',
              'x-accel-buffering': 'no', // proxies must not hold events back
              'x-model': model.name,
              'x-seed': String(sample!.seed),
              'x-class': manifest.labels[sample!.classId],
            });
          },
          onProgress: (_index, event) => {
            events = events.then(async () => {
              if (event.kind === 'queued') return write({ type: 'queued', position: event.position });
              if (event.kind === 'step') return write({ type: 'step', step: event.step, steps: event.steps });
              const png = await encodeSmallPng(event.pixels, event.width, event.height, PREVIEW_MAX_SIDE);
              write({ type: 'preview', step: event.step, steps: event.steps, width: Math.min(event.width, PREVIEW_MAX_SIDE), height: Math.min(event.height, PREVIEW_MAX_SIDE), image: png.toString('base64') });
            });
          },
          render: async ([result], [sample]) => {
            await events;
            const options = { format: 'png' as const, quality: undefined, codes: body.codes ? manifest.latent : undefined };
            const image = await renderImage(result!, sample!.seed, options, manifest.codebook_size);
            write({ type: 'done', class: manifest.labels[sample!.classId]!, ...image });
          },
        });
      } catch (err) {
        if (!opened) throw err;
        await events.catch(() => undefined);
        const error = err as Error & { statusCode?: number; code?: string };
        if (isHidden(statusOf(error))) request.log.error({ err: error }, 'stream failed');
        write({ type: 'error', ...errorBody(error) });
      } finally {
        if (opened) raw.end();
      }
    },
  );
}

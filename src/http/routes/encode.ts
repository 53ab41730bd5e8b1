// POST /encode: the tokenizer as an endpoint. The image is prepared as for /generate, encoded and its
// codes decoded (both batched with the engine's other encode and decode runs); the answer holds the
// code grid, the input as the encoder saw it, the reconstruction, its PSNR and how many cells each
// code covers, so that users can judge what the tokenizer keeps of an image.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { readInputImage } from '../../image/input.js';
import { requestSignal } from '../cancellation.js';
import { decodeBase64, requireEncoder } from '../image-input.js';
import { renderEncoding } from '../render.js';
import { EncodeBody, EncodeJson, errorResponses } from '../schemas.js';
import { modelNamed, type ServiceContext } from '../context.js';

export function encodeRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { config } = context;
  app.post<{ Body: EncodeBody }>(
    '/encode',
    {
      bodyLimit: config.imageBodyLimit,
      schema: {
        summary: 'Encode an image with the model\'s tokenizer: codes, reconstruction, PSNR',
        description:
          'Prepares the image as POST /generate does (flattened over white, scaled to cover the model\'s size, cropped at the centre), ' +
          'encodes and quantizes it, decodes the codes, and answers the code grid, the input as the encoder saw it, the reconstruction, ' +
          'its PSNR against that input and the cells per code. Needs a model with an encoder (GET /models: imageInput).',
        operationId: 'encode',
        tags: ['encode'],
        body: EncodeBody,
        response: {
          200: { ...Type.Ref(EncodeJson), description: 'The tokenizer\'s view of the image' },
          ...errorResponses(400, 401, 413, 415, 429, 500, 503, 504),
        },
      },
    },
    async (request, reply) => {
      const model = modelNamed(context.engines.models, request.body.model);
      const { manifest } = model;
      requireEncoder(manifest);
      const { pixels } = await readInputImage(decodeBase64(request.body.image, 'body/image'), manifest.image, 'body/image');
      const admission = context.engines.admit(model);
      const cancellation = requestSignal(reply, config.requestTimeoutMs);
      try {
        const result = await admission.engine.encode({ pixels, reconstruct: true }, cancellation.signal);
        return await renderEncoding(result, pixels, { image: manifest.image, latent: manifest.latent, codebookSize: manifest.codebook_size });
      } finally {
        cancellation.dispose();
        admission.release();
      }
    },
  );
}

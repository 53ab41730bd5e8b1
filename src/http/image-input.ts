// The image fields of a request (image, strength, mask) -> what the engine needs: the image at the
// model's size and the mask on the latent grid, both checked before anything is queued; then one
// encode of the image gives z_1 to every sample of the request.
import { createHash } from 'node:crypto';
import type { Engine } from '../engine/client.js';
import type { StartImage } from '../engine/protocol.js';
import { InvalidImageError, InvalidOptionError, NoEncoderError } from '../errors.js';
import { readInputImage, readMask } from '../image/input.js';
import { LIMITS } from '../limits.js';
import { hasEncoder, type Manifest } from '../model/manifest.js';

export interface ImageFields {
  image?: string | undefined;
  strength?: number | undefined;
  mask?: string | undefined;
}

export interface ImageInput {
  /** RGB bytes at the model's size, row-major HWC. */
  pixels: Uint8Array;
  strength: number;
  /** Per latent cell, 1 = regenerate. */
  mask?: Uint8Array;
  /** SHA-256 of the pixels and the mask: with the strength, what the image changes in the answer (the cache key). */
  digest: string;
}

/** Base64, or a data: URL of it (`data:image/png;base64,...`) -> bytes. Whitespace (line breaks) is ignored. */
export function decodeBase64(text: string, field: string): Buffer {
  const dataUrl = /^data:[^,]*,/i.exec(text);
  if (dataUrl && !/;base64,$/i.test(dataUrl[0])) throw new InvalidImageError(`${field} is a data: URL without ;base64: send the bytes base64-encoded`);
  const payload = (dataUrl ? text.slice(dataUrl[0].length) : text).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(payload) || payload.length % 4 === 1) {
    throw new InvalidImageError(`${field} is not base64 (A-Z, a-z, 0-9, + and /, = padding) nor a data: URL of base64`);
  }
  return Buffer.from(payload, 'base64');
}

/** Image requests need the model's encode graph. */
export function requireEncoder(manifest: Manifest): void {
  if (!hasEncoder(manifest)) {
    throw new NoEncoderError(
      `body/image cannot be used: the model ${manifest.name} has no encoder (no "encode" graph in its manifest), so it neither starts from nor encodes images; GET /models says "imageInput": false`,
    );
  }
}

/** The request fields of an image input: only models with an encoder take them. */
export const IMAGE_FIELDS = ['image', 'strength', 'mask'] as const;

/**
 * The smallest strength the engine gets. Sampling runs over [1 - strength, 1]: below ~1e-16 that is [1, 1]
 * in float64, no model evaluation runs and the mean entropy is 0 / 0 (NaN: a 500 for a JSON answer, found
 * by schemathesis with strength 5e-324), and below ~6e-8 the model sees t = 1 (float32) throughout. At
 * 1e-6 the answer is already the image's reconstruction, so a smaller strength samples as this one.
 */
export const MIN_STRENGTH = 1e-6;

/** The image input of a request, or undefined without one; strength and mask need an image. */
export async function readImageFields(manifest: Manifest, fields: ImageFields): Promise<ImageInput | undefined> {
  if (fields.image === undefined) {
    for (const name of ['strength', 'mask'] as const) {
      if (fields[name] !== undefined) throw new InvalidOptionError(`body/${name} needs body/image: it says how to start from an image, and there is none`);
    }
    return undefined;
  }
  requireEncoder(manifest);
  const { pixels, source } = await readInputImage(decodeBase64(fields.image, 'body/image'), manifest.image, 'body/image');
  const mask = fields.mask === undefined ? undefined : await readMask(decodeBase64(fields.mask, 'body/mask'), source, manifest.latent, manifest.image, 'body/mask');
  const digest = createHash('sha256').update(pixels).update(mask ?? 'no mask').digest('base64');
  const strength = Math.max(fields.strength ?? LIMITS.strength.default, MIN_STRENGTH);
  return { pixels, strength, ...(mask ? { mask } : {}), digest };
}

/** Where the request's samples start: one encode of the image gives z_1 to all of them. */
export async function startFrom(engine: Engine, input: ImageInput, signal: AbortSignal): Promise<StartImage> {
  const { z } = await engine.encode({ pixels: input.pixels }, signal);
  return { z1: z, strength: input.strength, ...(input.mask ? { mask: input.mask } : {}) };
}

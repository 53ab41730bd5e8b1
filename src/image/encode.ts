// RGB bytes -> PNG, WebP or JPEG through sharp (libvips runs on libuv's pool, off the event loop).
import sharp from 'sharp';

export type EncodeFormat = 'png' | 'webp' | 'jpeg';

/** webp and jpeg quality when the request names none. */
export const DEFAULT_QUALITY = 90;

export async function encodePng(pixels: Uint8Array, width: number, height: number): Promise<Buffer> {
  return encodeImage(pixels, width, height, 'png');
}

export async function encodeImage(pixels: Uint8Array, width: number, height: number, format: EncodeFormat, quality = DEFAULT_QUALITY): Promise<Buffer> {
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  switch (format) {
    case 'png':
      return image.png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
    case 'webp':
      return image.webp({ quality }).toBuffer();
    case 'jpeg':
      return image.jpeg({ quality }).toBuffer();
  }
}

/** A PNG no larger than maxSide per side (nearest neighbour keeps the latent blocks visible). */
export async function encodeSmallPng(pixels: Uint8Array, width: number, height: number, maxSide: number): Promise<Buffer> {
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (Math.max(width, height) > maxSide) image.resize({ width: maxSide, height: maxSide, fit: 'inside', kernel: 'nearest' });
  return image.png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
}

// RGB bytes -> PNG through sharp (libvips runs on libuv's pool, off the event loop).
import sharp from 'sharp';

export async function encodePng(pixels: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
}

// Images sent by clients -> what the model takes. The image: a PNG, JPEG or WebP (told by its bytes),
// at most MAX_INPUT_PIXELS, turned upright by its EXIF orientation, flattened over white, scaled to
// cover the model's size and cropped at the centre, as RGB bytes. The mask: a PNG of the image's
// aspect ratio, cropped the same way and reduced to one flag per latent cell. sharp (libvips) decodes
// on libuv's pool, off the event loop. Every error names the field and what is wrong.
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { ImageTooLargeError, InvalidImageError, MaskMismatchError, UnsupportedImageFormatError } from '../errors.js';
import { MAX_INPUT_PIXELS } from '../limits.js';

export const INPUT_FORMATS = ['png', 'jpeg', 'webp'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface Size {
  width: number;
  height: number;
}

/** An input image at the model's size. */
export interface InputImage {
  /** RGB bytes, row-major HWC. */
  pixels: Uint8Array;
  /** The image as sent (upright), before the crop: the mask must have its aspect ratio. */
  source: Size;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ascii = (bytes: Buffer, from: number, to: number): string => bytes.subarray(from, to).toString('latin1');

/** The formats taken, and common others by name, so that the error can say what was sent. */
const SIGNATURES: readonly { format: string; matches: (bytes: Buffer) => boolean }[] = [
  { format: 'png', matches: (b) => b.subarray(0, 8).equals(PNG_SIGNATURE) },
  { format: 'jpeg', matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { format: 'webp', matches: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP' },
  { format: 'gif', matches: (b) => ascii(b, 0, 4) === 'GIF8' },
  { format: 'bmp', matches: (b) => ascii(b, 0, 2) === 'BM' },
  { format: 'tiff', matches: (b) => ['II*\0', 'MM\0*'].includes(ascii(b, 0, 4)) },
  { format: 'avif or heif', matches: (b) => ascii(b, 4, 8) === 'ftyp' },
  { format: 'svg', matches: (b) => /^\s*(<\?xml|<svg)/i.test(ascii(b, 0, 256)) },
  { format: 'pdf', matches: (b) => ascii(b, 0, 5) === '%PDF-' },
];

const names = (formats: readonly string[]): string => formats.map((f) => f.toUpperCase()).join(', ');

/** The format the bytes announce; throws unless it is one of `accepted`. */
function checkFormat(bytes: Buffer, accepted: readonly InputFormat[], field: string): InputFormat {
  const format = SIGNATURES.find((s) => s.matches(bytes))?.format;
  if (format === undefined) throw new InvalidImageError(`${field} is not an image: its bytes start like none of ${names(accepted)}`);
  const taken = accepted.find((f) => f === format);
  if (taken === undefined) throw new UnsupportedImageFormatError(`${field} is ${format.toUpperCase()}, which is not taken here: send ${names(accepted)}`);
  return taken;
}

/** The upright size from the header alone; refuses more than MAX_INPUT_PIXELS before anything is decoded. */
async function measure(bytes: Buffer, format: InputFormat, field: string): Promise<Size> {
  let size: Size;
  try {
    size = (await sharp(bytes).metadata()).autoOrient;
  } catch (err) {
    throw new InvalidImageError(`${field} is not a readable ${format.toUpperCase()} file: ${(err as Error).message}`);
  }
  if (size.width * size.height > MAX_INPUT_PIXELS) {
    throw new ImageTooLargeError(
      `${field} is ${size.width} x ${size.height} pixels, more than the ${MAX_INPUT_PIXELS} pixels (4096 x 4096) an input image may have`,
    );
  }
  return size;
}

/** Decodes through `pipeline`; sharp's limitInputPixels is the guard should a header understate the size. */
async function decode(bytes: Buffer, format: InputFormat, field: string, pipeline: (image: Sharp) => Sharp): Promise<{ data: Buffer; info: OutputInfo }> {
  try {
    return await pipeline(sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, autoOrient: true })).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    const message = (err as Error).message;
    if (/pixel limit/i.test(message)) throw new ImageTooLargeError(`${field} has more than the ${MAX_INPUT_PIXELS} pixels an input image may have`);
    throw new InvalidImageError(`${field} is a truncated or corrupt ${format.toUpperCase()} file: ${message}`);
  }
}

/** The image as the model sees it: flattened over white, covering `size`, cropped at the centre. */
export async function readInputImage(bytes: Buffer, size: Size, field: string): Promise<InputImage> {
  const format = checkFormat(bytes, INPUT_FORMATS, field);
  const source = await measure(bytes, format, field);
  const { data } = await decode(bytes, format, field, (image) =>
    image
      .flatten({ background: '#ffffff' })
      .resize(size.width, size.height, { fit: 'cover', position: 'centre' })
      .toColourspace('srgb')
      .removeAlpha(),
  );
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), source };
}

/** Same aspect ratio to within a pixel of rounding (a mask drawn at another scale of the image). */
function sameAspect(mask: Size, image: Size): boolean {
  return Math.abs(mask.height - (mask.width * image.height) / image.width) < 1 || Math.abs(mask.width - (mask.height * image.width) / image.height) < 1;
}

/**
 * One flag per latent cell (row-major, 1 = regenerate): a cell is regenerated if any painted pixel of
 * the mask touches it, after the mask is cropped like the image. Painted: with transparency in the
 * mask, its opaque pixels (alpha >= 128); without, its light ones (grey >= 128): white on black.
 */
export async function readMask(bytes: Buffer, image: Size, grid: { height: number; width: number }, model: Size, field: string): Promise<Uint8Array> {
  const format = checkFormat(bytes, ['png'], field);
  const size = await measure(bytes, format, field);
  if (!sameAspect(size, image)) {
    const ratio = (s: Size): string => (s.width / s.height).toFixed(3);
    throw new MaskMismatchError(
      `${field} is ${size.width} x ${size.height} pixels (aspect ratio ${ratio(size)}) but the image is ${image.width} x ${image.height} (${ratio(image)}): the mask must have the image's aspect ratio`,
    );
  }
  const { data, info } = await decode(bytes, format, field, (mask) => mask.toColourspace('srgb').ensureAlpha());
  const pixels = info.width * info.height;
  let transparency = false;
  for (let p = 0; p < pixels && !transparency; p++) transparency = data[p * 4 + 3]! < 128;
  const painted = (p: number): boolean =>
    transparency ? data[p * 4 + 3]! >= 128 : data[p * 4]! * 0.299 + data[p * 4 + 1]! * 0.587 + data[p * 4 + 2]! * 0.114 >= 128;

  // The centred crop to the model's aspect ratio, in mask pixels, and the cells a pixel's extent overlaps.
  const wider = info.width * model.height > info.height * model.width;
  const crop = wider
    ? { width: (info.height * model.width) / model.height, height: info.height }
    : { width: info.width, height: (info.width * model.height) / model.width };
  const x0 = (info.width - crop.width) / 2;
  const y0 = (info.height - crop.height) / 2;
  const EDGE = 1e-9; // rounding slack: a pixel that only touches a cell's border does not overlap it
  const span = (from: number, extent: number, cells: number): [number, number] => [
    Math.max(0, Math.floor((from * cells) / extent + EDGE)),
    Math.min(cells - 1, Math.ceil(((from + 1) * cells) / extent - EDGE) - 1),
  ];
  const cells = new Uint8Array(grid.height * grid.width);
  for (let y = 0; y < info.height; y++) {
    const [top, bottom] = span(y - y0, crop.height, grid.height);
    for (let x = 0; x < info.width; x++) {
      if (!painted(y * info.width + x)) continue;
      const [left, right] = span(x - x0, crop.width, grid.width);
      for (let i = top; i <= bottom; i++) for (let j = left; j <= right; j++) cells[i * grid.width + j] = 1;
    }
  }
  return cells;
}

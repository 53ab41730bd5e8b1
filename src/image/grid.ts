// n RGB images of one size -> one grid image, row-major, as square as possible.

export interface RgbImage {
  pixels: Uint8Array; // HWC
  width: number;
  height: number;
}

/** cols = ceil(sqrt(n)), rows = ceil(n / cols); empty cells stay white. */
export function gridLayout(n: number): { cols: number; rows: number } {
  const cols = Math.ceil(Math.sqrt(n));
  return { cols, rows: Math.ceil(n / cols) };
}

export function tile(images: readonly RgbImage[]): RgbImage {
  const first = images[0];
  if (!first) throw new RangeError('tile needs at least one image');
  if (images.length === 1) return first;
  const { width, height } = first;
  const { cols, rows } = gridLayout(images.length);
  const out = new Uint8Array(cols * width * rows * height * 3).fill(255);
  const rowBytes = width * 3;
  const outRowBytes = cols * rowBytes;
  images.forEach((image, i) => {
    const [cellX, cellY] = [i % cols, Math.floor(i / cols)];
    for (let y = 0; y < height; y++) {
      const src = image.pixels.subarray(y * rowBytes, (y + 1) * rowBytes);
      out.set(src, (cellY * height + y) * outRowBytes + cellX * rowBytes);
    }
  });
  return { pixels: out, width: cols * width, height: rows * height };
}

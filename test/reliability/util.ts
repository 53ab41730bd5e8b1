// Shared by the reliability tests: short vs full sizes, a seeded PRNG, the error-shape check.
import type { Test } from 'tap';

/** RELIABILITY_FULL=1 runs the long variants (npm run test:reliability:full). */
export const FULL = process.env['RELIABILITY_FULL'] === '1';
export const size = (short: number, full: number): number => (FULL ? full : short);

/** mulberry32: a small seeded PRNG, so a failing case reproduces from the printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const STACK = /\n\s+at .+\(|\bat .+\.(js|ts):\d+|node:internal|\/dist\/src\//;

/** Why an error response breaks the contract ({statusCode, code, error, message}, no stack), or undefined. */
export function errorProblem(status: number, contentType: string | undefined, text: string): string | undefined {
  if (status >= 500 && status !== 503) return `status ${status}`;
  if (!/^application\/json/.test(contentType ?? '')) return `content-type ${contentType ?? '(none)'}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'body is not JSON';
  }
  if (body['statusCode'] !== status) return `statusCode ${String(body['statusCode'])} != ${status}`;
  for (const key of ['code', 'error', 'message'] as const) {
    if (typeof body[key] !== 'string' || (body[key] as string).length === 0) return `no string "${key}"`;
  }
  if (STACK.test(text)) return 'a stack trace leaks';
  return undefined;
}

/** Resident set size in MiB after a full GC when the runtime exposes one. */
export function rssMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 2 ** 20;
}

export function note(t: Test, text: string): void {
  t.comment(text);
  if (process.env['RELIABILITY_LOG']) console.error(`[reliability] ${text}`);
}

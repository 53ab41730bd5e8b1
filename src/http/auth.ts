// Optional API keys (API_KEYS): Authorization: Bearer <key> on the protected routes. Keys are compared
// as SHA-256 digests with crypto.timingSafeEqual: equal-length inputs, and every key is compared, so
// the time taken says nothing about how much of a key matched nor which key it was.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Which configured key authenticated the request ("key-<index>"); the rate limit's bucket. */
    apiKeyId?: string;
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class KeyRing {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** The index of the matching key, or -1. */
  match(token: string): number {
    const candidate = digest(token);
    let found = -1;
    this.digests.forEach((key, index) => {
      if (timingSafeEqual(key, candidate) && found < 0) found = index;
    });
    return found;
  }
}

/** onRequest hook of the protected scope: 401 with a JSON error unless a configured key is presented. */
export function requireApiKey(ring: KeyRing) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!ring.enabled) return;
    const header = request.headers.authorization;
    const token = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (token === undefined) throw new UnauthorizedError('This server needs an API key: send Authorization: Bearer <key>');
    const index = ring.match(token);
    if (index < 0) throw new UnauthorizedError('The API key is not valid');
    request.apiKeyId = `key-${index}`;
  };
}

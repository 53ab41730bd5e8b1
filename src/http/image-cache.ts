// Encoded PNGs of seeded requests, bounded in bytes. A seeded request is deterministic, so a hit
// returns exactly the bytes the engine would produce again.
import { LRUCache } from 'lru-cache';
import type { SampleRequest } from '../engine/protocol.js';

export class ImageCache {
  private readonly lru: LRUCache<string, Buffer> | undefined;

  constructor(maxBytes: number) {
    this.lru = maxBytes > 0 ? new LRUCache({ maxSize: maxBytes, sizeCalculation: (png) => png.length }) : undefined;
  }

  static key(model: string, request: SampleRequest): string {
    const { classId, tau, cfg, steps, seed } = request;
    return JSON.stringify([model, classId, tau, cfg, steps, seed]);
  }

  get(key: string): Buffer | undefined {
    return this.lru?.get(key);
  }

  set(key: string, png: Buffer): void {
    if (this.lru && png.length <= this.lru.maxSize) this.lru.set(key, png);
  }
}

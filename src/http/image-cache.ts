// Encoded images of seeded requests, bounded in bytes. A seeded request is deterministic, so a hit
// returns exactly the bytes the engine and encoder would produce again.
import { LRUCache } from 'lru-cache';

export class ImageCache {
  private readonly lru: LRUCache<string, Buffer> | undefined;

  constructor(maxBytes: number) {
    this.lru = maxBytes > 0 ? new LRUCache({ maxSize: maxBytes, sizeCalculation: (bytes) => bytes.length }) : undefined;
  }

  /** `parts` must hold every option that changes the bytes (sampling, count, format, quality). */
  static key(model: string, parts: Record<string, unknown>): string {
    const sorted = Object.keys(parts).sort().map((name) => [name, parts[name]]);
    return JSON.stringify([model, sorted]);
  }

  get(key: string): Buffer | undefined {
    return this.lru?.get(key);
  }

  set(key: string, bytes: Buffer): void {
    if (this.lru && bytes.length <= this.lru.maxSize) this.lru.set(key, bytes);
  }
}

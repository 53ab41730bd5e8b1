// What the routes share: configuration, the model's manifest, the cache, metrics and the engine's state.
import type { Config } from '../config.js';
import type { Engine } from '../engine/client.js';
import type { LoadedProviders } from '../engine/protocol.js';
import { DrainingError, EngineFailedError, NotReadyError } from '../errors.js';
import type { Manifest } from '../model/manifest.js';
import type { ImageCache } from './image-cache.js';
import type { ServiceMetrics } from './metrics.js';

export type ServiceState = 'loading' | 'ready' | 'failed' | 'draining';

/** A generation let in: its engine, and release() once it is answered (the drain waits for it). */
export interface Admission {
  engine: Engine;
  release(): void;
}

export interface ServiceContext {
  config: Config;
  manifest: Manifest;
  cache: ImageCache;
  metrics: ServiceMetrics;
  /** Lets a generation in; throws the 503 of unavailable() unless the engine is ready. */
  admit(): Admission;
  state(): ServiceState;
  providers(): LoadedProviders | undefined;
}

/** Why a server in this state takes no generation (a 503 with a code), or undefined when it is ready. */
export function unavailable(state: ServiceState): Error | undefined {
  switch (state) {
    case 'ready':
      return undefined;
    case 'loading':
      return new NotReadyError();
    case 'failed':
      return new EngineFailedError();
    case 'draining':
      return new DrainingError();
  }
}

/** Admitted generations under way, so that a drain can wait until the last one is answered. */
export class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  /** Counts one more; the returned function (idempotent) counts it out. */
  begin(): () => void {
    this.count++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.count--;
      if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
    };
  }

  /** Resolves once nothing is in flight. */
  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

// What the routes share: configuration, the served models (manifest and engine each), the cache,
// metrics and the service's state.
import type { Config } from '../config.js';
import type { Engine } from '../engine/client.js';
import { DrainingError, EngineFailedError, ModelNotFoundError, NotReadyError, UnknownModelError } from '../errors.js';
import type { Manifest, ModelSpec } from '../model/manifest.js';
import type { ImageCache } from './image-cache.js';
import type { ServiceMetrics } from './metrics.js';

export type ServiceState = 'loading' | 'ready' | 'failed' | 'draining';

/** One model of the repository: its contract and, once loaded, its own engine (its own batches). */
export interface ServedModel {
  readonly name: string;
  readonly spec: ModelSpec;
  readonly manifest: Manifest;
  engine: Engine | undefined;
}

/** A generation let in: its model's engine, and release() once it is answered (the drain waits for it). */
export interface Admission {
  engine: Engine;
  release(): void;
}

export interface ServiceContext {
  config: Config;
  /** In MODEL_DIR's order; the first is the default of requests without `model`. */
  models: readonly ServedModel[];
  cache: ImageCache;
  metrics: ServiceMetrics;
  /** Lets a generation in on a model; throws the 503 of unavailable() unless every engine is ready. */
  admit(model: ServedModel): Admission;
  state(): ServiceState;
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

/**
 * The model a request names (the first model when it names none). An unknown name is refused with
 * the names served: 400 for the body field, 404 for the path of GET /models/{name}.
 */
export function modelNamed(models: readonly ServedModel[], name: string | undefined, where: 'body' | 'path' = 'body'): ServedModel {
  if (name === undefined) return models[0]!;
  const model = models.find((m) => m.name === name);
  if (model) return model;
  const served = models.map((m) => m.name).join(', ');
  if (where === 'path') throw new ModelNotFoundError(`No model "${name}" is served here. Should be one of: ${served}`);
  throw new UnknownModelError(`body/model "${name}" is not a model served here. Should be one of: ${served}`);
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

// The engines' lifecycle, one engine per served model: load (one model after another, so that each
// model's memory is its own and loads do not share the CPU), readiness, admission of generations, a
// worker that dies (its model's engine is failed, then restarted with back-off, or given up on after
// ENGINE_RESTARTS crashes in a row), and the drain before shutdown.
import { setTimeout as sleep } from 'node:timers/promises';
import { DrainingError, EngineFailedError, NotReadyError } from '../errors.js';
import type { Manifest, ModelSpec } from '../model/manifest.js';
import type { Engine } from './client.js';
import type { RunEvent } from './protocol.js';

/**
 * loading: not started yet; failed: it could not load; restarting: its worker died and a new one is
 * due; crashed: its workers died ENGINE_RESTARTS + 1 times in a row, and it is not restarted again.
 */
export type EngineState = 'loading' | 'ready' | 'failed' | 'restarting' | 'crashed';

/** What /ready reports for the whole service. */
export type ServiceState = 'loading' | 'ready' | 'failed' | 'draining';

/** One model of the repository: its contract and its own engine (its own batches). */
export interface ServedModel {
  readonly name: string;
  readonly spec: ModelSpec;
  readonly manifest: Manifest;
  engine: Engine | undefined;
  state: EngineState;
  /** Restarting: when the next start is tried (ms since the epoch). */
  retryAt: number | undefined;
}

/** A generation let in: its model's engine, and release() once it is answered (the drain waits for it). */
export interface Admission {
  engine: Engine;
  release(): void;
}

export type StartEngine = (model: ModelSpec, observer: (event: RunEvent) => void) => Promise<Engine>;

/** The few logger methods used (pino's, as Fastify's logger has them). */
export interface Log {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface LifecycleOptions {
  start: StartEngine;
  /** Where each model's run events go (the metrics). */
  observerFor(model: string): (event: RunEvent) => void;
  /** Hears every state change of a model's engine (metrics, logs). */
  onChange(model: ServedModel): void;
  log: Log;
  restarts: number;
  restartDelayMs: number;
}

/** An engine up this long has recovered: a later crash starts the count of restarts anew. */
const STABLE_MS = 60_000;
const MAX_RESTART_DELAY_MS = 30_000;

export class ModelEngines {
  readonly models: ServedModel[];
  /** Resolves when every model's engine is ready; rejects with the reason one could not start. */
  readonly ready: Promise<void>;
  /** Resolves with the reason when an engine is given up on: the process should be restarted. */
  readonly givenUp: Promise<Error>;
  private giveUp: (error: Error) => void = () => undefined;
  private draining = false;
  /** Aborted by close(): no engine is started again after it. */
  private readonly closing = new AbortController();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  /** Per model: consecutive crashes, and when its engine last became ready. */
  private readonly crashes = new Map<ServedModel, { count: number; readySince: number }>();

  constructor(
    specs: ModelSpec[],
    private readonly options: LifecycleOptions,
  ) {
    this.models = specs.map((spec) => ({ name: spec.manifest.name, spec, manifest: spec.manifest, engine: undefined, state: 'loading', retryAt: undefined }));
    this.givenUp = new Promise((resolve) => (this.giveUp = resolve));
    this.ready = this.startAll();
    this.ready.catch(() => undefined); // observed by the app's users; no unhandled rejection here
  }

  /** The service as a whole: draining, or else its least ready model. */
  state(): ServiceState {
    if (this.draining) return 'draining';
    const states = this.models.map((model) => model.state);
    if (states.some((s) => s !== 'loading' && s !== 'ready')) return 'failed';
    return states.includes('loading') ? 'loading' : 'ready';
  }

  /** Why the service takes no generation now (a 503 with a code), or undefined when it is ready. */
  unavailable(): Error | undefined {
    if (this.draining) return new DrainingError();
    return this.models.map((model) => this.refusal(model)).find((error) => error !== undefined);
  }

  /** Whether the process can still serve: false once an engine is given up on (the liveness probe restarts it). */
  alive(): boolean {
    return !this.models.some((model) => model.state === 'crashed');
  }

  /** Lets a generation in on a model, or throws the 503 that says why not. */
  admit(model: ServedModel): Admission {
    const refused = this.draining ? new DrainingError() : this.refusal(model);
    if (refused) throw refused;
    this.inFlight++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      if (--this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    };
    return { engine: model.engine!, release };
  }

  /** /ready and new generations answer 503 DRAINING from now on; resolves once the admitted ones are answered. */
  drain(): Promise<void> {
    this.draining = true;
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops every engine (after the loads under way), restarting none. */
  async close(): Promise<void> {
    this.draining = true;
    this.closing.abort();
    await this.ready.catch(() => undefined);
    await Promise.all(this.models.map((model) => model.engine?.close()));
  }

  private refusal(model: ServedModel): Error | undefined {
    switch (model.state) {
      case 'ready':
        return undefined;
      case 'loading':
        return new NotReadyError();
      case 'restarting': {
        const seconds = Math.max(1, Math.ceil(((model.retryAt ?? Date.now()) - Date.now()) / 1000));
        return Object.assign(new EngineFailedError(`The engine of model ${model.name} stopped and restarts in about ${seconds} s; retry then`), { retryAfter: seconds });
      }
      case 'failed':
        return new EngineFailedError(`The model ${model.name} failed to load, so this server cannot generate with it (see its log)`);
      case 'crashed':
        return new EngineFailedError(`The engine of model ${model.name} crashed too often in a row and is not restarted; this server must be restarted (see its log)`);
    }
  }

  private async startAll(): Promise<void> {
    for (const model of this.models) {
      try {
        await this.startEngine(model);
      } catch (err) {
        for (const other of this.models) if (other.state === 'loading') this.setState(other, 'failed');
        const error = err as Error & { code?: string };
        throw Object.assign(new Error(`model "${model.name}" (${model.spec.dir}): ${error.message}`), { code: error.code });
      }
    }
  }

  /** Starts a model's engine and watches it; on failure the model is failed and the error thrown. */
  private async startEngine(model: ServedModel): Promise<void> {
    const rssBefore = process.memoryUsage().rss;
    try {
      model.engine = await this.options.start(model.spec, this.options.observerFor(model.name));
    } catch (err) {
      this.setState(model, 'failed');
      throw err;
    }
    const engine = model.engine;
    if (this.closing.signal.aborted) return engine.close(); // close() ran while this one started
    const rssMiB = Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20);
    const { providers, files } = engine;
    this.options.log.info({ model: model.name, providers, files, rssMiB }, `model ${model.name} ready (its load added ${rssMiB} MiB of resident memory)`);
    this.crashes.set(model, { count: this.crashes.get(model)?.count ?? 0, readySince: Date.now() });
    this.setState(model, 'ready');
    void engine.stopped?.then((reason) => this.recover(model, engine, reason));
  }

  /** A worker died: its model is failed at once, then started again after a back-off, or given up on. */
  private async recover(model: ServedModel, engine: Engine, reason: Error): Promise<void> {
    if (this.closing.signal.aborted || model.engine !== engine) return;
    const crashes = this.crashes.get(model)!;
    crashes.count = Date.now() - crashes.readySince >= STABLE_MS ? 1 : crashes.count + 1;
    const { restarts, restartDelayMs, log } = this.options;
    if (crashes.count > restarts) {
      this.setState(model, 'crashed');
      log.error({ model: model.name, reason: reason.message, crashes: crashes.count }, `engine of ${model.name} stopped (${reason.message}); not restarted after ${crashes.count} crashes in a row (ENGINE_RESTARTS=${restarts})`);
      this.giveUp(new Error(`the engine of model ${model.name} crashed ${crashes.count} times in a row: ${reason.message}`));
      return;
    }
    const delay = Math.min(MAX_RESTART_DELAY_MS, restartDelayMs * 2 ** (crashes.count - 1));
    model.retryAt = Date.now() + delay;
    this.setState(model, 'restarting');
    log.error({ model: model.name, reason: reason.message, delayMs: delay }, `engine of ${model.name} stopped (${reason.message}); restarting it in ${delay} ms`);
    const closed = await sleep(delay, false, { signal: this.closing.signal }).catch(() => true);
    if (closed) return;
    try {
      await this.startEngine(model);
    } catch (err) {
      await this.recover(model, engine, err as Error); // counts as another crash
    }
  }

  private setState(model: ServedModel, state: EngineState): void {
    model.state = state;
    if (state !== 'restarting') model.retryAt = undefined;
    this.options.onChange(model);
  }
}

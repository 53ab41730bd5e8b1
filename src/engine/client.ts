// The HTTP thread's side of the engine: starts the worker, numbers requests, bounds the queue,
// forwards cancellations and turns worker messages into settled promises and metric observations.
import { Worker } from 'node:worker_threads';
import { GenerationFailedError, QueueFullError, RequestCancelledError, ShuttingDownError } from '../errors.js';
import type { FromWorker, LoadedProviders, SampleRequest, SampleResult, ToWorker, WorkerOptions } from './protocol.js';

/** What the HTTP layer needs from an engine; tests may pass another implementation. */
export interface Engine {
  readonly providers: LoadedProviders | undefined;
  /** Requests admitted but not finished (waiting for a slot or sampling). */
  readonly pending: number;
  generate(request: SampleRequest, signal?: AbortSignal): Promise<SampleResult>;
  close(): Promise<void>;
}

export interface EngineObserver {
  iteration(batchSize: number, seconds: number, live: number, waiting: number): void;
  decoded(batchSize: number, seconds: number): void;
}

export interface EngineClientOptions extends WorkerOptions {
  queueLimit: number;
  observer?: EngineObserver;
}

interface Pending {
  resolve: (result: SampleResult) => void;
  reject: (error: Error) => void;
  cleanup: () => void;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

export class EngineClient implements Engine {
  providers: LoadedProviders | undefined;
  private readonly worker: Worker;
  private readonly inflight = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private exited: Promise<void>;

  private constructor(private readonly options: EngineClientOptions) {
    const { observer: _observer, queueLimit: _queueLimit, ...workerData } = options;
    this.worker = new Worker(WORKER_URL, { workerData });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Starts the worker and resolves once the model is loaded and warmed up; rejects with its error. */
  static async start(options: EngineClientOptions): Promise<EngineClient> {
    const client = new EngineClient(options);
    await client.waitReady();
    return client;
  }

  get pending(): number {
    return this.inflight.size;
  }

  generate(request: SampleRequest, signal?: AbortSignal): Promise<SampleResult> {
    if (this.closed) return Promise.reject(new ShuttingDownError());
    const capacity = this.options.maxBatch + this.options.queueLimit;
    if (this.inflight.size >= capacity) return Promise.reject(new QueueFullError(this.inflight.size - this.options.maxBatch));
    if (signal?.aborted) return Promise.reject(new RequestCancelledError());
    const id = this.nextId++;
    return new Promise<SampleResult>((resolve, reject) => {
      const onAbort = (): void => {
        this.send({ type: 'cancel', id });
        this.settle(id)?.reject(new RequestCancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.inflight.set(id, { resolve, reject, cleanup: () => signal?.removeEventListener('abort', onAbort) });
      this.send({ type: 'submit', id, request });
    });
  }

  /** Lets in-flight requests finish, then stops the worker. */
  async close(): Promise<void> {
    if (this.closed) return this.exited;
    this.closed = true;
    const done = this.exited;
    this.send({ type: 'close' });
    await done;
  }

  private waitReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number): void => reject(new Error(`engine worker exited with code ${code} before it was ready`));
      this.worker.once('exit', onExit);
      this.worker.once('error', reject);
      this.worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          this.providers = message.providers;
          this.worker.off('exit', onExit);
          this.worker.off('error', reject);
          this.worker.on('error', (err) => this.failAll(err));
          this.worker.on('exit', (code) => this.failAll(new Error(`engine worker exited with code ${code}`)));
          resolve();
        } else if (message.type === 'fatal') {
          void this.worker.terminate();
          reject(Object.assign(new Error(message.message), { code: message.code }));
        } else {
          this.onMessage(message);
        }
      });
    });
  }

  private onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'done':
        this.settle(message.id)?.resolve(message.result);
        break;
      case 'failed':
        this.settle(message.id)?.reject(new GenerationFailedError(message.message));
        break;
      case 'iteration':
        this.options.observer?.iteration(message.batchSize, message.seconds, message.live, message.waiting);
        break;
      case 'decode':
        this.options.observer?.decoded(message.batchSize, message.seconds);
        break;
      case 'closed':
        void this.worker.terminate();
        break;
      default:
        break;
    }
  }

  private settle(id: number): Pending | undefined {
    const entry = this.inflight.get(id);
    if (!entry) return undefined;
    this.inflight.delete(id);
    entry.cleanup();
    return entry;
  }

  private failAll(error: Error): void {
    for (const id of [...this.inflight.keys()]) this.settle(id)?.reject(new GenerationFailedError(error.message));
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message);
  }
}

// The HTTP thread's side of the engine: starts the worker, numbers samples and encodings, bounds the
// queue (in images), forwards cancellations and turns worker messages into settled promises, progress
// callbacks and metric observations. Submissions made in the same tick travel in one message, so the
// samples of one request (n images) enter the same iteration and batch together.
import { Worker } from 'node:worker_threads';
import { DrainingError, GenerationFailedError, QueueFullError, RequestCancelledError } from '../errors.js';
import type {
  EncodeRequest,
  EncodeResult,
  FromWorker,
  GraphFiles,
  LoadedProviders,
  ProgressEvent,
  SampleRequest,
  SampleResult,
  ToWorker,
  WorkerOptions,
} from './protocol.js';

/** What the HTTP layer needs from an engine; tests may pass another implementation. */
export interface Engine {
  readonly providers: LoadedProviders | undefined;
  /** The graph files in use, where the engine knows them. */
  readonly files?: GraphFiles | undefined;
  /** Samples and encodings admitted but not finished (waiting for a slot, sampling or encoding). */
  readonly pending: number;
  /**
   * One sample. Aborting the signal cancels it (with the signal's reason when that is an Error).
   * onProgress hears the events the request asked for (progress, previewEvery).
   */
  generate(request: SampleRequest, signal?: AbortSignal, onProgress?: (event: ProgressEvent) => void): Promise<SampleResult>;
  /** One image through the encoder (and the decoder, for a reconstruction); cancelled like a sample. */
  encode(request: EncodeRequest, signal?: AbortSignal): Promise<EncodeResult>;
  close(): Promise<void>;
}

export interface EngineObserver {
  iteration(batchSize: number, seconds: number, live: number, waiting: number, unconditionalRows: number): void;
  decoded(batchSize: number, seconds: number): void;
  encoded(batchSize: number, seconds: number): void;
}

export interface EngineClientOptions extends WorkerOptions {
  /** Most samples (images) waiting for a batch slot, beyond the maxBatch being sampled. */
  queueLimit: number;
  observer?: EngineObserver;
}

interface Pending<T> {
  resolve: (result: T) => void;
  reject: (error: Error) => void;
  onProgress: ((event: ProgressEvent) => void) | undefined;
  cleanup: () => void;
}

/** Why a signal was aborted: its reason when that is one of our errors, a cancellation otherwise. */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name !== 'AbortError' ? reason : new RequestCancelledError();
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

export class EngineClient implements Engine {
  providers: LoadedProviders | undefined;
  files: GraphFiles | undefined;
  private readonly worker: Worker;
  private readonly samples = new Map<number, Pending<SampleResult>>();
  private readonly encodings = new Map<number, Pending<EncodeResult>>();
  private nextId = 1;
  private closed = false;
  /** Messages of this tick, in order; flushed in a microtask so submissions can be merged. */
  private outbox: ToWorker[] = [];
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
    return this.samples.size + this.encodings.size;
  }

  generate(request: SampleRequest, signal?: AbortSignal, onProgress?: (event: ProgressEvent) => void): Promise<SampleResult> {
    return this.track(this.samples, signal, onProgress, (id) => ({ type: 'submit', samples: [{ id, request }] }));
  }

  encode(request: EncodeRequest, signal?: AbortSignal): Promise<EncodeResult> {
    return this.track(this.encodings, signal, undefined, (id) => ({ type: 'encode', jobs: [{ id, request }] }));
  }

  /** Numbers a piece of work, bounds the queue, sends it and settles its promise from the worker's answer. */
  private track<T>(
    into: Map<number, Pending<T>>,
    signal: AbortSignal | undefined,
    onProgress: ((event: ProgressEvent) => void) | undefined,
    message: (id: number) => ToWorker,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new DrainingError());
    const { maxBatch, queueLimit } = this.options;
    if (this.pending >= maxBatch + queueLimit) return Promise.reject(new QueueFullError(this.pending - maxBatch, queueLimit, 1));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        this.send({ type: 'cancel', id });
        this.settle(id)?.reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      into.set(id, { resolve, reject, onProgress, cleanup: () => signal?.removeEventListener('abort', onAbort) });
      this.send(message(id));
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
          this.files = message.files;
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
        this.settleIn(this.samples, message.id)?.resolve(message.result);
        break;
      case 'encoded':
        this.settleIn(this.encodings, message.id)?.resolve(message.result);
        break;
      case 'failed':
        this.settle(message.id)?.reject(new GenerationFailedError(message.message));
        break;
      case 'progress':
        this.samples.get(message.id)?.onProgress?.(message.event);
        break;
      case 'iteration':
        this.options.observer?.iteration(message.batchSize, message.seconds, message.live, message.waiting, message.unconditionalRows);
        break;
      case 'decode':
        this.options.observer?.decoded(message.batchSize, message.seconds);
        break;
      case 'encodeRun':
        this.options.observer?.encoded(message.batchSize, message.seconds);
        break;
      case 'closed':
        void this.worker.terminate();
        break;
      default:
        break;
    }
  }

  private settleIn<T>(from: Map<number, Pending<T>>, id: number): Pending<T> | undefined {
    const entry = from.get(id);
    if (!entry) return undefined;
    from.delete(id);
    entry.cleanup();
    return entry;
  }

  /** A sample's or an encoding's entry, for rejecting it. */
  private settle(id: number): Pick<Pending<unknown>, 'reject'> | undefined {
    return this.settleIn(this.samples, id) ?? this.settleIn(this.encodings, id);
  }

  private failAll(error: Error): void {
    for (const id of [...this.samples.keys(), ...this.encodings.keys()]) this.settle(id)?.reject(new GenerationFailedError(error.message));
  }

  private send(message: ToWorker): void {
    const last = this.outbox.at(-1);
    if (message.type === 'submit' && last?.type === 'submit') last.samples.push(...message.samples);
    else if (message.type === 'encode' && last?.type === 'encode') last.jobs.push(...message.jobs);
    else this.outbox.push(message);
    if (last === undefined) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    const messages = this.outbox;
    this.outbox = [];
    for (const message of messages) this.worker.postMessage(message);
  }
}

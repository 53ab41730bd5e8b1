// The HTTP thread's side of the engine: starts the worker, admits work against the queue bound (in
// images), numbers samples and encodings, forwards cancellations and turns the worker's events into
// settled promises, progress callbacks and run events for the metrics. Submissions made in the same
// tick travel in one message, so the images of one request enter the same iteration and batch together.
// A worker that exits or errors after start-up fails what it held and resolves `stopped`; the
// engine's lifecycle (lifecycle.ts) decides what happens next.
import { Worker } from 'node:worker_threads';
import { setMaxListeners } from 'node:events';
import { DrainingError, EngineFailedError, GenerationFailedError, QueueFullError, RequestCancelledError } from '../errors.js';
import type {
  EncodeRequest,
  EncodeResult,
  EngineEvent,
  FromWorker,
  GraphFiles,
  LoadedProviders,
  ProgressEvent,
  RunEvent,
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
   * The images of one request, together: admitted whole or refused with QUEUE_FULL, batched together,
   * and the first failure cancels the others. Aborting the signal cancels them (with the signal's reason
   * when that is an Error). onProgress hears the events the requests asked for (progress, previewEvery).
   */
  generate(requests: readonly SampleRequest[], signal?: AbortSignal, onProgress?: (index: number, event: ProgressEvent) => void): Promise<SampleResult[]>;
  /** One image through the encoder (and the decoder, for a reconstruction); cancelled like a sample. */
  encode(request: EncodeRequest, signal?: AbortSignal): Promise<EncodeResult>;
  /** Lets what is in flight finish, then stops. */
  close(): Promise<void>;
  /** Resolves with the reason when the engine stops by itself (its worker died); never after close(). */
  readonly stopped?: Promise<Error>;
}

export interface EngineClientOptions extends WorkerOptions {
  /** Most samples (images) waiting for a batch slot, beyond the maxBatch being sampled. */
  queueLimit: number;
  observer?: (event: RunEvent) => void;
  /** The engine thread's script (default worker.js); fault drills wrap it. */
  workerUrl?: URL;
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
  readonly stopped: Promise<Error>;
  private readonly worker: Worker;
  private readonly samples = new Map<number, Pending<SampleResult>>();
  private readonly encodings = new Map<number, Pending<EncodeResult>>();
  private nextId = 1;
  private closed = false;
  /** Set once the worker is gone: every later request is refused with it. */
  private failure: Error | undefined;
  private onStopped: (error: Error) => void = () => undefined;
  /** Messages of this tick, in order; flushed in a microtask so submissions can be merged. */
  private outbox: ToWorker[] = [];
  private readonly exited: Promise<void>;

  private constructor(private readonly options: EngineClientOptions) {
    const { observer: _observer, queueLimit: _queueLimit, workerUrl = WORKER_URL, ...workerData } = options;
    this.worker = new Worker(workerUrl, { workerData });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.stopped = new Promise((resolve) => (this.onStopped = resolve));
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

  generate(requests: readonly SampleRequest[], signal?: AbortSignal, onProgress?: (index: number, event: ProgressEvent) => void): Promise<SampleResult[]> {
    const refused = this.admission(requests.length, signal);
    if (refused) return Promise.reject(refused);
    const siblings = new AbortController();
    // One listener per image of the request (up to LIMITS.n.max): more than Node's default warning level of 10.
    setMaxListeners(requests.length + 1, siblings.signal);
    const forward = (): void => siblings.abort(signal!.reason);
    signal?.addEventListener('abort', forward, { once: true });
    const all = requests.map((request, index) =>
      this.track(this.samples, siblings.signal, onProgress && ((event) => onProgress(index, event)), (id) => ({ type: 'submit', samples: [{ id, request }] })).catch(
        (err: unknown) => {
          siblings.abort(err);
          throw err;
        },
      ),
    );
    return Promise.all(all).finally(() => signal?.removeEventListener('abort', forward));
  }

  encode(request: EncodeRequest, signal?: AbortSignal): Promise<EncodeResult> {
    const refused = this.admission(1, signal);
    if (refused) return Promise.reject(refused);
    return this.track(this.encodings, signal, undefined, (id) => ({ type: 'encode', jobs: [{ id, request }] }));
  }

  /** Lets in-flight requests finish, then stops the worker. */
  async close(): Promise<void> {
    if (this.closed) return this.exited;
    this.closed = true;
    const done = this.exited;
    this.send({ type: 'close' });
    await done;
  }

  /** The one place work is let in: a request of n images needs n free places of maxBatch + queueLimit, or it is refused whole. */
  private admission(images: number, signal: AbortSignal | undefined): Error | undefined {
    if (this.failure) return this.failure;
    if (this.closed) return new DrainingError();
    const { maxBatch, queueLimit } = this.options;
    if (this.pending + images > maxBatch + queueLimit) return new QueueFullError(Math.max(0, this.pending - maxBatch), queueLimit, images);
    if (signal?.aborted) return abortError(signal);
    return undefined;
  }

  /** Numbers one piece of work, sends it and settles its promise from the worker's answer. */
  private track<T>(
    into: Map<number, Pending<T>>,
    signal: AbortSignal | undefined,
    onProgress: ((event: ProgressEvent) => void) | undefined,
    message: (id: number) => ToWorker,
  ): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError(signal)); // a sibling failed in this same tick
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
          this.worker.on('error', (err) => this.fail(`its worker failed: ${err.message}`));
          this.worker.on('exit', (code) => {
            if (!this.closed) this.fail(`its worker exited with code ${code}`);
          });
          resolve();
        } else if (message.type === 'fatal') {
          void this.worker.terminate();
          reject(Object.assign(new Error(message.message), { code: message.code }));
        } else if (message.type === 'closed') {
          void this.worker.terminate();
        } else {
          this.onEvent(message);
        }
      });
    });
  }

  private onEvent(event: EngineEvent): void {
    switch (event.type) {
      case 'done':
        this.settleIn(this.samples, event.id)?.resolve(event.result);
        break;
      case 'encoded':
        this.settleIn(this.encodings, event.id)?.resolve(event.result);
        break;
      case 'failed':
        this.settle(event.id)?.reject(new GenerationFailedError(event.message));
        break;
      case 'progress':
        this.samples.get(event.id)?.onProgress?.(event.event);
        break;
      default:
        this.options.observer?.(event);
    }
  }

  /** The worker is gone: what it held fails with a 503 a client can retry, and so does every later request. */
  private fail(reason: string): void {
    if (this.failure) return; // 'error' is followed by 'exit'
    this.failure = new EngineFailedError(`The engine stopped (${reason}) while this request was in it; it restarts: retry`);
    for (const id of [...this.samples.keys(), ...this.encodings.keys()]) this.settle(id)?.reject(this.failure);
    this.onStopped(new Error(reason));
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

  private send(message: ToWorker): void {
    if (this.failure) return;
    const last = this.outbox.at(-1);
    if (message.type === 'submit' && last?.type === 'submit') last.samples.push(...message.samples);
    else if (message.type === 'encode' && last?.type === 'encode') last.jobs.push(...message.jobs);
    else this.outbox.push(message);
    if (last === undefined) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    const messages = this.outbox;
    this.outbox = [];
    if (!this.failure) for (const message of messages) this.worker.postMessage(message);
  }
}

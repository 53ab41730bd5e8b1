// The engine thread: owns the ONNX Runtime sessions and runs the scheduler. session.run keeps the
// thread that calls it busy, so it lives here and the HTTP thread never runs inference.
import { parentPort, workerData } from 'node:worker_threads';
import { setImmediate as yieldToMessages } from 'node:timers/promises';
import { hasEncoder, loadModelSpec, type Manifest } from '../model/manifest.js';
import { OrtModel } from '../model/sessions.js';
import { Scheduler } from './scheduler.js';
import type { FromWorker, ToWorker, WorkerOptions } from './protocol.js';

const port = parentPort!;
const options = workerData as WorkerOptions;
const send = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

async function warmUp(scheduler: Scheduler, manifest: Manifest): Promise<number> {
  // One step and one decode (and one encode) make the runtime allocate and specialise its kernels
  // before /ready says yes. The first and the last class (and, inside the graph, the null class) also
  // prove that the step graph embeds every class the manifest promises: a mismatch fails start-up,
  // not a request.
  const started = performance.now();
  scheduler.submit(-1, { classId: 0, tau: 1, cfg: 1, steps: 1, seed: 0 });
  scheduler.submit(-2, { classId: manifest.num_classes - 1, tau: 1, cfg: 1, steps: 1, seed: 1 });
  if (hasEncoder(manifest)) {
    const { height, width } = manifest.image;
    scheduler.submitEncode(-3, { pixels: new Uint8Array(height * width * 3).fill(255), reconstruct: true });
  }
  while (scheduler.hasWork) await scheduler.iterate(); // MAX_BATCH may be 1
  return performance.now() - started;
}

async function main(): Promise<void> {
  const spec = loadModelSpec(options.modelDir);
  const model = await OrtModel.load(spec, {
    executionProviders: options.executionProviders,
    threads: options.threads,
  });
  let warming = true;
  const scheduler = new Scheduler(model, spec.manifest, options.maxBatch, {
    iteration: (batchSize, seconds, live, waiting, unconditionalRows) => {
      if (!warming) send({ type: 'iteration', batchSize, seconds, live, waiting, unconditionalRows });
    },
    decoded: (batchSize, seconds) => {
      if (!warming) send({ type: 'decode', batchSize, seconds });
    },
    encodeRun: (batchSize, seconds) => {
      if (!warming) send({ type: 'encodeRun', batchSize, seconds });
    },
    progress: (id, event) => {
      if (id >= 0) send({ type: 'progress', id, event }, event.kind === 'preview' ? [event.pixels.buffer as ArrayBuffer] : []);
    },
    done: (id, result) => {
      if (id < 0) return;
      const transfer = [result.pixels.buffer, result.codes.buffer, result.entropy?.mean.buffer, result.entropy?.atStep?.map.buffer];
      send({ type: 'done', id, result }, transfer.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer));
    },
    encoded: (id, result) => {
      if (id < 0) return;
      const transfer = [result.z.buffer, result.codes.buffer, result.reconstruction?.buffer];
      send({ type: 'encoded', id, result }, transfer.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer));
    },
    failed: (id, error) => {
      if (id >= 0) send({ type: 'failed', id, message: error.message });
      else throw error;
    },
  });
  const warmupMs = await warmUp(scheduler, spec.manifest);
  warming = false;

  let running = false;
  let closing = false;
  const drain = async (): Promise<void> => {
    if (running) return;
    running = true;
    while (scheduler.hasWork) {
      await scheduler.iterate();
      await yieldToMessages(); // lets submit and cancel messages in before the next iteration
    }
    running = false;
    if (closing) await shutdown();
  };
  const shutdown = async (): Promise<void> => {
    await model.release();
    send({ type: 'closed' });
    port.close();
  };
  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'submit':
        for (const { id, request } of message.samples) scheduler.submit(id, request);
        void drain();
        break;
      case 'encode':
        for (const { id, request } of message.jobs) scheduler.submitEncode(id, request);
        void drain();
        break;
      case 'cancel':
        scheduler.cancel(message.id);
        break;
      case 'close':
        closing = true;
        if (!running) void shutdown();
        break;
    }
  });
  send({ type: 'ready', providers: model.providers, files: model.files, warmupMs });
}

main().catch((err: unknown) => {
  const error = err as Error & { code?: string };
  send({ type: 'fatal', message: error.message, code: error.code ?? 'ENGINE_START_FAILED' });
});

// The engine thread: owns the ONNX Runtime sessions and runs the scheduler. session.run keeps the
// thread that calls it busy, so it lives here and the HTTP thread never runs inference.
import { parentPort, workerData } from 'node:worker_threads';
import { setImmediate as yieldToMessages } from 'node:timers/promises';
import { hasEncoder, loadModelSpec, type Manifest } from '../model/manifest.js';
import { OrtModel } from '../model/sessions.js';
import { Scheduler } from './scheduler.js';
import type { EngineEvent, FromWorker, ToWorker, WorkerOptions } from './protocol.js';

const port = parentPort!;
const options = workerData as WorkerOptions;
const send = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

/**
 * One step and one decode (and one encode) make the runtime allocate and specialise its kernels before
 * /ready says yes. The first and the last class (and, inside the graph, the null class) also prove that
 * the step graph embeds every class the manifest promises: a mismatch fails start-up, not a request.
 */
async function warmUp(scheduler: Scheduler, manifest: Manifest): Promise<void> {
  scheduler.submit(-1, { classId: 0, tau: 1, cfg: 1, steps: 1, seed: 0 });
  scheduler.submit(-2, { classId: manifest.num_classes - 1, tau: 1, cfg: 1, steps: 1, seed: 1 });
  if (hasEncoder(manifest)) {
    const { height, width } = manifest.image;
    scheduler.submitEncode(-3, { pixels: new Uint8Array(height * width * 3).fill(255), reconstruct: true });
  }
  while (scheduler.hasWork) await scheduler.iterate(); // MAX_BATCH may be 1
}

/** The typed arrays of an event that can move to the other thread instead of being copied. */
function transferable(event: EngineEvent): ArrayBuffer[] {
  const buffers =
    event.type === 'done'
      ? [event.result.pixels.buffer, event.result.codes.buffer, event.result.entropy?.mean.buffer, event.result.entropy?.atStep?.map.buffer]
      : event.type === 'encoded'
        ? [event.result.z.buffer, event.result.codes.buffer, event.result.reconstruction?.buffer]
        : event.type === 'progress' && event.event.kind === 'preview'
          ? [event.event.pixels.buffer]
          : [];
  return buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

async function main(): Promise<void> {
  const spec = loadModelSpec(options.modelDir);
  const model = await OrtModel.load(spec, {
    executionProviders: options.executionProviders,
    threads: options.threads,
  });
  let warming = true;
  const scheduler = new Scheduler(model, spec.manifest, options.maxBatch, (event) => {
    if (!warming) send(event, transferable(event));
    else if (event.type === 'failed') throw new Error(event.message);
  });
  await warmUp(scheduler, spec.manifest);
  warming = false;

  let running = false;
  let closing = false;
  const drain = async (): Promise<void> => {
    if (running) return;
    running = true;
    while (scheduler.hasWork) {
      await scheduler.iterate();
      await yieldToMessages(); // lets submit and cancel messages in before the next iteration (they also arrive during runs)
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
  send({ type: 'ready', providers: model.providers, files: model.files });
}

main().catch((err: unknown) => {
  const error = err as Error & { code?: string };
  send({ type: 'fatal', message: error.message, code: error.code ?? 'ENGINE_START_FAILED' });
});

// Prometheus metrics of one app instance (its own registry, so several apps can live in one process).
// Everything the engines do carries a `model` label: each model batches on its own.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServedModel } from '../engine/lifecycle.js';
import type { RunEvent } from '../engine/protocol.js';

const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'purrception_http_requests_total',
    help: 'HTTP requests by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'purrception_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly stepRuns = new Counter({
    name: 'purrception_step_runs_total',
    help: 'Runs of the step graph (one per batching iteration of a model)',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly stepRows = new Counter({
    name: 'purrception_step_rows_total',
    help: 'Rows the DiT ran in step-graph runs: pass="conditional" one per sample, pass="unconditional" one per guided sample',
    labelNames: ['model', 'pass'] as const,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'purrception_batch_size',
    help: 'Samples per step-graph run',
    labelNames: ['model'] as const,
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  readonly iterationSeconds = new Histogram({
    name: 'purrception_iteration_seconds',
    help: 'Wall time of one batching iteration (the step graph and every sample\'s sampler update)',
    labelNames: ['model'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly decodeBatchSize = new Histogram({
    name: 'purrception_decode_batch_size',
    help: 'Samples per decode-graph run',
    labelNames: ['model'] as const,
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  readonly encodeBatchSize = new Histogram({
    name: 'purrception_encode_batch_size',
    help: 'Images per encode-graph run (image inputs and POST /encode)',
    labelNames: ['model'] as const,
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  readonly samples = new Counter({
    name: 'purrception_samples_total',
    help: 'Generated images by model and outcome',
    labelNames: ['model', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly cache = new Counter({
    name: 'purrception_cache_lookups_total',
    help: 'PNG cache lookups of seeded requests by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly engineUp = new Gauge({
    name: 'purrception_engine_up',
    help: 'Whether a model\'s engine serves (1) or not (0: loading, failed to load, restarting after its worker died, or crashed too often to be restarted)',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly engineCrashes = new Counter({
    name: 'purrception_engine_crashes_total',
    help: 'Engine workers of a model that died (crashed, ran out of memory, were killed)',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly queueDepth: Gauge<'model'>;
  readonly provider: Gauge<'model' | 'graph' | 'provider'>;

  /** pending: the images in each model's engine, by model name. */
  constructor(pending: () => Iterable<[string, number]>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'purrception_' });
    this.queueDepth = new Gauge({
      name: 'purrception_queue_depth',
      help: 'Images (samples) in a model\'s engine, waiting for a batch slot or being sampled; a request of n images counts n',
      labelNames: ['model'] as const,
      registers: [this.registry],
      collect() {
        for (const [model, count] of pending()) this.set({ model }, count);
      },
    });
    this.provider = new Gauge({
      name: 'purrception_execution_provider',
      help: 'Execution provider running each graph of each model (1 = in use)',
      labelNames: ['model', 'graph', 'provider'] as const,
      registers: [this.registry],
    });
  }

  /** What one model's engine reports about its runs, recorded under its name. */
  observerFor(model: string): (event: RunEvent) => void {
    return (event) => {
      switch (event.type) {
        case 'iteration':
          this.stepRuns.inc({ model });
          this.stepRows.inc({ model, pass: 'conditional' }, event.batchSize);
          this.stepRows.inc({ model, pass: 'unconditional' }, event.unconditionalRows);
          this.batchSize.observe({ model }, event.batchSize);
          this.iterationSeconds.observe({ model }, event.seconds);
          break;
        case 'decodeRun':
          this.decodeBatchSize.observe({ model }, event.batchSize);
          break;
        case 'encodeRun':
          this.encodeBatchSize.observe({ model }, event.batchSize);
          break;
      }
    };
  }

  /** A model's engine changed state: up or not, a crash counted, the providers that run its graphs. */
  engineChanged(model: ServedModel): void {
    this.engineUp.set({ model: model.name }, model.state === 'ready' ? 1 : 0);
    if (model.state === 'restarting' || model.state === 'crashed') this.engineCrashes.inc({ model: model.name });
    const providers = model.engine?.providers;
    if (model.state !== 'ready' || !providers) return;
    for (const [graph, provider] of Object.entries(providers)) this.provider.set({ model: model.name, graph, provider }, 1);
  }
}

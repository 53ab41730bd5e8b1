// Timing helpers without dependencies beyond onnxruntime's types (bench/gpu runs them on a machine
// that has no node_modules of the service): percentiles, sessions side by side, and closed-loop load.
import type { InferenceSession, Tensor } from 'onnxruntime-node';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function meanOf(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/**
 * Run times in ms of each session on the same feeds, interleaved: `rounds` blocks of 3 runs per
 * session, the first of each block discarded (a session's thread pool may still spin after its run,
 * which would otherwise be charged to the next session).
 */
export async function timeInterleaved(sessions: InferenceSession[], feeds: Record<string, Tensor>, rounds: number): Promise<number[][]> {
  const times = sessions.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) {
    for (const [k, session] of sessions.entries()) {
      for (let j = 0; j < 3; j++) {
        const started = performance.now();
        await session.run(feeds);
        if (j > 0) times[k]!.push(performance.now() - started);
      }
    }
  }
  return times;
}

/**
 * Closed loop: `concurrency` workers, each starts the next task (numbered 1 to `total`) when its
 * previous one returns. Resolves with the seconds from the first start to the last return.
 */
export async function closedLoopSeconds(concurrency: number, total: number, task: (n: number) => Promise<unknown>): Promise<number> {
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < total) await task(++issued);
    }),
  );
  return (performance.now() - started) / 1000;
}

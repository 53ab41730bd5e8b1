// Timing of ONNX Runtime sessions side by side, without dependencies beyond onnxruntime (bench/gpu
// runs it on a machine that has no node_modules of the service).
import type { InferenceSession, Tensor } from 'onnxruntime-node';

export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
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

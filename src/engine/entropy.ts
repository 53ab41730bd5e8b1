// The posterior's entropy along one sample's trajectory: its mean (X-Mean-Entropy, meanEntropy) and,
// when asked for, the per-position maps (the uncertainty heatmaps), recorded at the grid times.
import type { EntropyMaps } from './protocol.js';
import { mean } from './sampler.js';

export class EntropyRecord {
  /** Mean entropy summed over the grid times; undefined until an evaluation gave one (cfm and dfm never do). */
  private sum: number | undefined;
  /** Per-position entropy summed over the grid times; only when the maps were asked for. */
  private readonly mapSum: Float64Array | undefined;
  private atStep: Float32Array | undefined;

  constructor(
    private readonly grid: { height: number; width: number },
    maps: boolean,
    /** Also keep the map at this step. */
    private readonly uncertaintyStep: number | undefined,
  ) {
    this.mapSum = maps ? new Float64Array(grid.height * grid.width) : undefined;
  }

  /** The entropy [h*w] of the evaluation at `step`. */
  add(entropy: Float32Array, step: number): void {
    this.sum = (this.sum ?? 0) + mean(entropy);
    if (!this.mapSum) return;
    for (let p = 0; p < this.mapSum.length; p++) this.mapSum[p]! += entropy[p]!;
    if (step === this.uncertaintyStep) this.atStep = entropy.slice();
  }

  /** Averaged over the T grid times; undefined for a model without a posterior. */
  meanOver(steps: number): number | undefined {
    return this.sum === undefined ? undefined : this.sum / steps;
  }

  /** The maps averaged over the T grid times, or undefined when they were not asked for. */
  mapsOver(steps: number): EntropyMaps | undefined {
    if (!this.mapSum) return undefined;
    const { height, width } = this.grid;
    const meanMap = Float32Array.from(this.mapSum, (sum) => sum / steps);
    const atStep = this.atStep && this.uncertaintyStep !== undefined ? { step: this.uncertaintyStep, map: this.atStep } : undefined;
    return { height, width, mean: meanMap, ...(atStep ? { atStep } : {}) };
  }
}

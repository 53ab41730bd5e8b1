// The samplers of docs/design.md: pure functions on Float32Array, and one stepper per sampler (euler,
// heun, multistep, logsnr-multistep, dfm) behind one interface at the end of this file. The step graph
// computes mu (guidance, temperature and barycenter fused); the time grid, the temperature schedule and
// the updates live here (docs/samplers.md derives them).
//
//   v(z, t) = (mu(z, t) - z) / (1 - t)          the velocity of the flow towards the barycenter
//   grid:   t_s = t0 + (1 - t0) g(s/T), s = 0..T, g(u) = u (uniform), 1 - (1 - u)^2 (quadratic), u^2 (early),
//           or piecewise linear through knots g(i/K) = k_i (a grid tuned per model, exact at T = K)
//   Euler:  z <- z + h v(z, t)                   h = t_{s+1} - t_s
//   Heun:   z' = z + h v(z, t);  z <- z + (h/2) (v(z, t) + v(z', t + h))   (not at the last step, where
//           t + h = 1 and v is undefined: the last step is an Euler step, which lands exactly on mu)
//   multistep: the step solved exactly for mu linear in t through this and the previous evaluation
//           (one evaluation per step; its last step lands on mu extrapolated to t = 1); logsnr-multistep
//           the same for mu linear in lambda = log(t / (1 - t)) (DPM-Solver++(2M)), t-linear at the last step
// t0 = 0 from noise; t0 = 1 - strength from an image, whose path z_t = t z_1 + (1 - t) z_0 also fixes
// the kept cells of a mask. Every formula reduces to the t0 = 0 one bit for bit (1 - 0 = 1, 0 + x = x),
// so strength 1 without a mask gives the bytes of the same request without an image.

export const SAMPLERS = ['euler', 'heun', 'multistep', 'logsnr-multistep'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** How the T steps divide [t0, 1]: evenly, with steps that shrink towards t = 1 (quadratic), or grow from t = 0 (early). */
export const GRIDS = ['uniform', 'quadratic', 'early'] as const;
export type GridName = (typeof GRIDS)[number];
/** A named grid, or knots k_0 = 0 < k_1 < ... < k_K = 1: g(u) piecewise linear through (i/K, k_i). */
export type Grid = GridName | readonly number[];

/** Why a grid's knots are not a grid (first 0, last 1, strictly increasing); undefined for them and for names. */
export function gridProblem(grid: Grid | undefined): string | undefined {
  if (typeof grid !== 'object') return undefined;
  const knots = grid;
  if (knots.length < 2) return `needs at least 2 knots, got ${knots.length}`;
  if (knots[0] !== 0 || knots[knots.length - 1] !== 1) return `must start at 0 and end at 1, got ${knots[0]} and ${knots[knots.length - 1]}`;
  const at = knots.findIndex((k, i) => i > 0 && !(k > knots[i - 1]!));
  return at > 0 ? `must increase strictly, but knot ${at} (${knots[at]}) follows ${knots[at - 1]}` : undefined;
}

/** g(s/T) of a grid; on knots x = sK/T is exact where a step lands on a knot, so T = K gives the knots themselves. */
function gridFraction(grid: Grid, step: number, steps: number): number {
  if (typeof grid !== 'string') {
    const x = (step * (grid.length - 1)) / steps;
    const i = Math.min(Math.floor(x), grid.length - 2);
    return grid[i]! + (x - i) * (grid[i + 1]! - grid[i]!);
  }
  const u = step / steps;
  return grid === 'uniform' ? u : grid === 'early' ? u * u : 1 - (1 - u) * (1 - u);
}

/** Softmax temperature: constant, or varying linearly in t from `start` (t = 0) to `end` (t = 1). */
export type TauSchedule = number | { start: number; end: number };

/** Time of step s out of T over [start, 1]: t = start + (1 - start) g(s / T); exactly 1 at s = T. */
export function timeAt(step: number, steps: number, start = 0, grid: Grid = 'uniform'): number {
  if (step === steps) return 1;
  return start + (1 - start) * gridFraction(grid, step, steps);
}

/** h = t_{s+1} - t_s; on the uniform grid (1 - start)/T, the same number at every step. */
export function stepSize(step: number, steps: number, start = 0, grid: Grid = 'uniform'): number {
  return grid === 'uniform' ? (1 - start) / steps : timeAt(step + 1, steps, start, grid) - timeAt(step, steps, start, grid);
}

/** z_t = t z_1 + (1 - t) z_0 on every cell the mask keeps (mask[p] = 0; every cell without a mask), into `z`. */
export function pathPoint(z: Float32Array, z1: Float32Array, z0: Float32Array, t: number, mask?: Uint8Array): void {
  const cells = mask?.length ?? z.length; // z is [C, h, w]: element i is cell i mod (h w)
  for (let i = 0; i < z.length; i++) {
    if (mask === undefined || mask[i % cells] === 0) z[i] = t * z1[i]! + (1 - t) * z0[i]!;
  }
}

/** Where in t a request is guided: [from, to] (default the whole interval). */
export interface GuidanceInterval {
  from: number;
  to: number;
}

/**
 * Whether a row needs the unconditional pass at time t: cfg 0 is the unconditional pass alone and cfg 1
 * the conditional one, so only other weights are guided, and only inside the interval.
 */
export function guidedAt(cfg: number, interval: GuidanceInterval | undefined, t: number): boolean {
  if (cfg === 0 || cfg === 1) return false;
  return interval === undefined || (t >= interval.from && t <= interval.to);
}

/** tau(t) = start + (end - start) t; a number is constant in t. */
export function tauAt(tau: TauSchedule, t: number): number {
  return typeof tau === 'number' ? tau : tau.start + (tau.end - tau.start) * t;
}

/** Model evaluations a sample needs: Euler and multistep T, Heun 2T - 1 (its last step is an Euler step). */
export function evaluationsFor(sampler: SamplerName, steps: number): number {
  return sampler === 'heun' ? 2 * steps - 1 : steps;
}

/** v = (mu - z) / (1 - t), written into `out`. */
export function velocity(out: Float32Array, z: Float32Array, mu: Float32Array, t: number): Float32Array {
  const inverse = 1 / (1 - t);
  for (let i = 0; i < z.length; i++) out[i] = (mu[i]! - z[i]!) * inverse;
  return out;
}

/**
 * One Euler step of size h in place:  v = (mu - z) / (1 - t),  z <- z + h v.
 * At the last step (1 - t = h) the update lands on mu.
 */
export function eulerUpdate(z: Float32Array, mu: Float32Array, t: number, h: number): void {
  const scale = h / (1 - t);
  for (let i = 0; i < z.length; i++) z[i] = z[i]! + scale * (mu[i]! - z[i]!);
}

/** Heun's predictor: z' = z + h v1, into `out` (z itself is kept for the corrector). */
export function heunPredict(out: Float32Array, z: Float32Array, v1: Float32Array, h: number): Float32Array {
  for (let i = 0; i < z.length; i++) out[i] = z[i]! + h * v1[i]!;
  return out;
}

/**
 * Heun's corrector in place: v2 = (mu2 - z') / (1 - (t + h)),  z <- z + (h/2) (v1 + v2), where mu2 is
 * the posterior mean at the predicted point z' and time t + h (< 1: never called at the last step).
 */
export function heunCorrect(z: Float32Array, v1: Float32Array, zPredicted: Float32Array, mu2: Float32Array, t: number, h: number): void {
  const inverse = 1 / (1 - (t + h));
  for (let i = 0; i < z.length; i++) {
    const v2 = (mu2[i]! - zPredicted[i]!) * inverse;
    z[i] = z[i]! + (h / 2) * (v1[i]! + v2);
  }
}

/** The previous evaluation of a multistep sample: its posterior mean and its time. */
export interface MuHistory {
  mu: Float32Array;
  t: number;
}

/**
 * One multistep step from t to t + h in place: the exact solution of dz/dt = (mu(t) - z)/(1 - t) for mu
 * linear in t through this evaluation and the previous one. With r = (1 - t - h)/(1 - t):
 *   mu constant:             z <- r z + (1 - r) mu                                    (= the Euler step)
 *   mu = mu_t + D (s - t):   z <- r z + (1 - r) mu + D (1 - t) (1 - r + r log r),   D = (mu - mu_prev)/(t - t_prev)
 * At the last step (r = 0) this lands on mu + D (1 - t): mu extrapolated to t = 1, where Euler lands on
 * mu itself, a first-order error that no step count below it can remove. Without a previous evaluation
 * (the first step) this is the Euler step.
 */
export function multistepUpdate(z: Float32Array, mu: Float32Array, t: number, h: number, previous?: MuHistory): void {
  if (previous === undefined) {
    eulerUpdate(z, mu, t, h);
    return;
  }
  const r = Math.max(0, (1 - (t + h)) / (1 - t));
  const slope = ((1 - t) * (1 - r + (r > 0 ? r * Math.log(r) : 0))) / (t - previous.t); // per unit of mu - mu_prev
  const prev = previous.mu;
  for (let i = 0; i < z.length; i++) z[i] = r * z[i]! + (1 - r) * mu[i]! + slope * (mu[i]! - prev[i]!);
}

/**
 * The multistep step with mu linear in lambda = log(t / (1 - t)) (DPM-Solver++(2M)'s data prediction
 * in log-SNR) between interior times; the last step (lambda = infinity at t = 1) is the t-linear one.
 *   z <- r z + (1 - r) mu + D T (e - 1 + exp(-e)),  e = lambda(T) - lambda(t),  D = (mu - mu_prev)/(lambda(t) - lambda(t_prev))
 */
export function logSnrMultistepUpdate(z: Float32Array, mu: Float32Array, t: number, h: number, previous?: MuHistory): void {
  const end = t + h;
  if (previous === undefined || end >= 1 || previous.t <= 0) {
    multistepUpdate(z, mu, t, h, end >= 1 ? previous : undefined);
    return;
  }
  const lambda = (s: number): number => Math.log(s / (1 - s));
  const e = lambda(end) - lambda(t);
  const r = (1 - end) / (1 - t);
  const slope = (end * (e + Math.expm1(-e))) / (lambda(t) - lambda(previous.t));
  const prev = previous.mu;
  for (let i = 0; i < z.length; i++) z[i] = r * z[i]! + (1 - r) * mu[i]! + slope * (mu[i]! - prev[i]!);
}

/**
 * One step of the reference code's DFM sampler on a sample's codes [h*w] (K = the mask), given
 * p(x_1 | x_t) as probs [K, h*w]: per position, in order, u1 then u2 from the sample's stream; where
 * u1 < c = h / (1 - t) the code is redrawn (the first k with cumsum(p)[k] > u2 sum(p), in float64),
 * else kept. training/purrception/sample.py (dfm_update) does the same.
 */
export function dfmUpdate(codes: Int32Array, probs: Float32Array, c: number, rng: { uniform(): number }): void {
  const positions = codes.length;
  const k = probs.length / positions;
  for (let p = 0; p < positions; p++) {
    const u1 = rng.uniform();
    const u2 = rng.uniform();
    if (u1 >= c) continue;
    let total = 0;
    for (let code = 0; code < k; code++) total += probs[code * positions + p]!;
    const target = u2 * total;
    let cumulative = 0;
    let code = 0;
    for (; code < k - 1; code++) {
      cumulative += probs[code * positions + p]!;
      if (cumulative > target) break;
    }
    codes[p] = code;
  }
}

/** Mean of a slice, for the per-position entropy of pi. */
export function mean(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return values.length > 0 ? sum / values.length : 0;
}

/** Decoder output CHW in [-1, 1] -> RGB bytes HWC:  round(clamp((x + 1) / 2, 0, 1) * 255). */
export function toRgbBytes(image: Float32Array, height: number, width: number): Uint8Array {
  const plane = height * width;
  const rgb = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < plane; p++) {
      const unit = Math.min(1, Math.max(0, (image[c * plane + p]! + 1) / 2));
      rgb[p * 3 + c] = Math.round(unit * 255);
    }
  }
  return rgb;
}

// ------------------------------------------------------------------------------------------------
// Steppers: one sample's trajectory under one sampler. The scheduler asks each for the time (and the
// latent or codes) of its next model evaluation and hands it that evaluation's row; the stepper
// applies its update rule. Every sampler of a request is one of these behind the same interface.
// ------------------------------------------------------------------------------------------------

/** The cells a mask keeps follow their image's path z_t = t z_1 + (1 - t) z_0. */
export interface KeptPath {
  z0: Float32Array;
  z1: Float32Array;
  /** One byte per latent cell: 1 regenerated, 0 kept. */
  mask: Uint8Array;
}

/** Where a trajectory runs: T steps over [t0, 1] on a time grid. */
export interface Schedule {
  steps: number;
  t0: number;
  grid: Grid;
}

export interface Stepper {
  /** Steps completed, 0..T. */
  readonly step: number;
  /** The time of the next model evaluation. */
  readonly time: number;
  /** Whether the next evaluation is at a grid time t_s (Heun's corrector evaluates at t_s + h). */
  readonly atGridTime: boolean;
  /**
   * Applies the sample's row of one model evaluation (mu, or dfm's p(x_1 | x_t)); guided says whether
   * that evaluation ran guidance. True when it completed a step.
   */
  advance(evaluation: Float32Array, guided: boolean): boolean;
}

/** A stepper over a continuous latent z. */
export interface LatentStepper extends Stepper {
  /** The latent so far; after T steps the final one. */
  readonly z: Float32Array;
  /** The latent the next evaluation sees (Heun's corrector sees its predicted z'). */
  readonly input: Float32Array;
}

abstract class LatentTrajectory implements LatentStepper {
  step = 0;

  constructor(
    readonly z: Float32Array,
    protected readonly schedule: Schedule,
    private readonly kept: KeptPath | undefined,
  ) {}

  get time(): number {
    return this.timeOf(this.step);
  }

  get input(): Float32Array {
    return this.z;
  }

  get atGridTime(): boolean {
    return true;
  }

  abstract advance(mu: Float32Array, guided: boolean): boolean;

  protected timeOf(step: number): number {
    const { steps, t0, grid } = this.schedule;
    return timeAt(step, steps, t0, grid);
  }

  /** The size of the current step, h = t_{s+1} - t_s. */
  protected get stepSize(): number {
    const { steps, t0, grid } = this.schedule;
    return stepSize(this.step, steps, t0, grid);
  }

  /** Puts the kept cells of `z` back on their path at the time of `step` (at t = 1 exactly z_1). */
  protected hold(z: Float32Array, step: number): void {
    if (this.kept) pathPoint(z, this.kept.z1, this.kept.z0, this.timeOf(step), this.kept.mask);
  }

  protected completeStep(): true {
    this.step += 1;
    this.hold(this.z, this.step);
    return true;
  }
}

/** z <- z + h v(z, t). */
class EulerStepper extends LatentTrajectory {
  advance(mu: Float32Array): boolean {
    eulerUpdate(this.z, mu, this.time, this.stepSize);
    return this.completeStep();
  }
}

/** Predictor z' = z + h v1 (kept until the corrector's evaluation at t + h), then the corrector; an Euler last step. */
class HeunStepper extends LatentTrajectory {
  private predicted: { v1: Float32Array; z: Float32Array } | undefined;

  override get time(): number {
    return this.timeOf(this.step + (this.predicted ? 1 : 0));
  }

  override get input(): Float32Array {
    return this.predicted?.z ?? this.z;
  }

  override get atGridTime(): boolean {
    return this.predicted === undefined;
  }

  advance(mu: Float32Array): boolean {
    const t = this.timeOf(this.step);
    const h = this.stepSize;
    if (this.predicted) {
      heunCorrect(this.z, this.predicted.v1, this.predicted.z, mu, t, h);
      this.predicted = undefined;
      return this.completeStep();
    }
    if (this.step === this.schedule.steps - 1) {
      eulerUpdate(this.z, mu, t, h);
      return this.completeStep();
    }
    const v1 = velocity(new Float32Array(this.z.length), this.z, mu, t);
    const z = heunPredict(new Float32Array(this.z.length), this.z, v1, h);
    this.hold(z, this.step + 1); // the corrector's evaluation sees the kept cells at t + h
    this.predicted = { v1, z };
    return false;
  }
}

/** The exact step for mu linear (in t, or in log-SNR) through this and the previous evaluation. */
class MultistepStepper extends LatentTrajectory {
  /** The previous evaluation, and whether it was guided: where guidance switches mu jumps, so the step restarts as Euler. */
  private previous: (MuHistory & { guided: boolean }) | undefined;

  constructor(
    z: Float32Array,
    schedule: Schedule,
    kept: KeptPath | undefined,
    private readonly update: typeof multistepUpdate,
  ) {
    super(z, schedule, kept);
  }

  advance(mu: Float32Array, guided: boolean): boolean {
    const t = this.time;
    const previous = this.previous;
    this.update(this.z, mu, t, this.stepSize, previous?.guided === guided ? previous : undefined);
    if (this.step === this.schedule.steps - 1) this.previous = undefined;
    else if (previous) {
      previous.mu.set(mu);
      previous.t = t;
      previous.guided = guided;
    } else this.previous = { mu: mu.slice(), t, guided };
    return this.completeStep();
  }
}

/** The stepper of a sampler, over z (updated in place) on `schedule`, holding the cells `kept` keeps. */
export function latentStepper(sampler: SamplerName, z: Float32Array, schedule: Schedule, kept?: KeptPath): LatentStepper {
  switch (sampler) {
    case 'euler':
      return new EulerStepper(z, schedule, kept);
    case 'heun':
      return new HeunStepper(z, schedule, kept);
    case 'multistep':
      return new MultistepStepper(z, schedule, kept, multistepUpdate);
    case 'logsnr-multistep':
      return new MultistepStepper(z, schedule, kept, logSnrMultistepUpdate);
  }
}

/** dfm: codes (the mask code K at first), each step redrawn from p(x_1 | x_t) with the sample's own uniforms. */
export class DfmStepper implements Stepper {
  step = 0;
  readonly codes: Int32Array;

  constructor(
    positions: number,
    maskToken: number,
    private readonly schedule: Schedule,
    private readonly uniforms: { uniform(): number },
  ) {
    this.codes = new Int32Array(positions).fill(maskToken);
  }

  get time(): number {
    const { steps, t0, grid } = this.schedule;
    return timeAt(this.step, steps, t0, grid);
  }

  get atGridTime(): boolean {
    return true;
  }

  /** At t = s/T each position is redrawn with probability c = h / (1 - t) = 1 / (T - s) (1 at the last step). */
  advance(probs: Float32Array): boolean {
    dfmUpdate(this.codes, probs, 1 / (this.schedule.steps - this.step), this.uniforms);
    this.step += 1;
    return true;
  }
}

/**
 * Seeded randomness and the few distributions the site shape needs. Everything
 * draws from mulberry32 streams, so a seed always gives the same site.
 */
import { prng } from '../seed.js';

export type Random = () => number;

/** An independent stream for one purpose, so adding draws to one part never shifts another. */
export function stream(seed: number, purpose: string): Random {
  let hash = 2166136261 ^ seed;
  for (let i = 0; i < purpose.length; i++) hash = Math.imul(hash ^ purpose.charCodeAt(i), 16777619);
  return prng(hash >>> 0);
}

/** A stream for one item of a kind (a comment's text, say), independent of the order items are made in. */
export function itemStream(seed: number, purpose: string, index: number): Random {
  const base = stream(seed, purpose);
  return prng((Math.imul(index + 1, 0x9e3779b1) ^ Math.floor(base() * 4294967296)) >>> 0);
}

export const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

export const chance = (random: Random, probability: number): boolean => random() < probability;

/** An integer in [min, max]. */
export const between = (random: Random, min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1));

/** Standard normal (Box–Muller). */
export function normal(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export const lognormal = (random: Random, median: number, sigma: number): number =>
  median * Math.exp(sigma * normal(random));

/** Fisher–Yates, in place. */
export function shuffle<T extends { length: number; [index: number]: unknown }>(random: Random, items: T): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = items[i];
    items[i] = items[j];
    items[j] = swap;
  }
  return items;
}

/**
 * The standard normal quantile (Acklam's rational approximation, relative error
 * below 1.2e-9): sizes are laid out on quantiles rather than sampled, so the
 * median and the total come out exactly as asked at every scale.
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Walker's alias table: draws an index with probability proportional to its
 * weight in O(1), which millions of votes need.
 */
export class WeightedPicker {
  private readonly probability: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new Error('no weights to pick from');
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i]!;
    if (!(total > 0)) throw new Error('weights must have a positive sum');
    this.probability = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i]! * n) / total;
      (scaled[i]! < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const less = small.pop()!;
      const more = large.pop()!;
      this.probability[less] = scaled[less]!;
      this.alias[less] = more;
      scaled[more] = scaled[more]! + scaled[less]! - 1;
      (scaled[more]! < 1 ? small : large).push(more);
    }
    for (const i of [...small, ...large]) this.probability[i] = 1;
  }

  pick(random: Random): number {
    const column = Math.floor(random() * this.probability.length);
    return random() < this.probability[column]! ? column : this.alias[column]!;
  }
}

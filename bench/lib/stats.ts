/** Small statistics for the bench: medians of rounds and percentiles of latencies. */

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The nearest-rank percentile (p in 0..100) of the values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export interface Latency {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

export function latencyOf(ms: readonly number[]): Latency {
  return {
    p50: round(percentile(ms, 50), 2),
    p99: round(percentile(ms, 99), 2),
    max: round(ms.length ? Math.max(...ms) : Number.NaN, 2),
    count: ms.length,
  };
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Runs `rounds` rounds alternating the two sides (which starts alternates too), timing each. */
export async function alternate<T>(
  rounds: number,
  sides: { desk: () => Promise<T>; baseline: () => Promise<T> },
): Promise<{ desk: T[]; baseline: T[] }> {
  const out = { desk: [] as T[], baseline: [] as T[] };
  for (let round = 0; round < rounds; round++) {
    const order: ('desk' | 'baseline')[] = round % 2 === 0 ? ['baseline', 'desk'] : ['desk', 'baseline'];
    for (const side of order) out[side].push(await sides[side]());
  }
  return out;
}

/** Ratios desk/baseline of each round, pairing round i with round i. */
export function ratios(desk: readonly number[], baseline: readonly number[]): number[] {
  return desk.map((d, i) => d / baseline[i]!);
}

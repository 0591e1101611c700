/** Small helpers shared by the bench parts. */
export const fmt = (n: number, digits = 2): string => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits));
export const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×` : 'n/a');

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `fn` at least `minRuns` times and until `minMs` passed (at most `maxRuns`); ms per run. */
export async function timeRuns(fn: () => Promise<unknown>, o: { minRuns?: number; maxRuns?: number; minMs?: number; warmup?: number } = {}): Promise<{ median: number; min: number; runs: number }> {
  for (let i = 0; i < (o.warmup ?? 1); i++) await fn();
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < (o.maxRuns ?? 1000) && (times.length < (o.minRuns ?? 5) || performance.now() - t0 < (o.minMs ?? 500))) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return { median: median(times), min: Math.min(...times), runs: times.length };
}

export interface PartResult {
  markdown: string[];
  summary: string;
}

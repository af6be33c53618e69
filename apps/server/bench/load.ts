/** A small closed-loop load generator for the benchmarks: N callers, each sending its next request when the last is answered. */
export type Figures = { requests: number; seconds: number; latencies: number[] };

export async function load(
  url: string,
  headers: Record<string, string>,
  { seconds, concurrency }: { seconds: number; concurrency: number },
): Promise<Figures> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const response = await fetch(url, { headers });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`unexpected status ${response.status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { requests: latencies.length, seconds: (performance.now() - started) / 1000, latencies };
}

export type Summary = { rps: number; p50: number; p99: number };

export function summarize(rounds: Figures[]): Summary {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  const rps = rounds.reduce((sum, r) => sum + r.requests, 0) / rounds.reduce((sum, r) => sum + r.seconds, 0);
  return { rps, p50: at(0.5), p99: at(0.99) };
}

export const formatRow = (name: string, f: Summary) =>
  `${name.padEnd(24)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${f.p50.toFixed(2).padStart(6)} ms   p99 ${f.p99.toFixed(2).padStart(6)} ms`;

/**
 * Preloaded into each server the benchmark starts (`node --import ./bench/instrument.ts ...`), so
 * the servers' own code stays as it is: counts every query the `pg` driver sends (one query is one
 * round trip to the database) and answers the parent's `stats` message with that count and the
 * process's CPU time.
 */
import pg from 'pg';

let queries = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  queries++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

export type ServerStats = { queries: number; cpuMicros: number };

process.on('message', (message) => {
  if (message !== 'stats') return;
  const cpu = process.cpuUsage();
  process.send?.({ queries, cpuMicros: cpu.user + cpu.system } satisfies ServerStats);
});

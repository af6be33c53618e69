import pg from 'pg';

/** A statement the driver put on the wire: each one is a round trip. */
export type SentQuery = { text: string; values: unknown[] };

/** Records the statements the `pg` driver sends while `work` runs (any client, any pool). */
export async function queriesSentBy(work: () => Promise<unknown>): Promise<SentQuery[]> {
  const sent: SentQuery[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function recording(this: pg.Client, ...args: unknown[]) {
    const [first, second] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
    if (typeof first === 'string') sent.push({ text: first, values: second ?? [] });
    else if (first && typeof first === 'object') sent.push({ text: first.text, values: first.values ?? [] });
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}

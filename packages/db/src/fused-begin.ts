import pg from 'pg';

type QueryResult = pg.QueryResult | pg.QueryResult[];

/**
 * A `pg` client that sends a transaction's `begin` in the same round trip as the statement after it.
 * Every request's transaction starts with `begin` and then the statement that scopes it (the
 * `set_config` of `app.user_id` and `app.organization_id`); sent apart they cost a round trip each,
 * and on a busy server each round trip is a socket write and a wait. Here the bare `begin` is held
 * back (and answered at once) until the next query on this connection, and goes out with it as one
 * simple-protocol message, `begin;<statement>`, whose last result is the statement's. PostgreSQL
 * runs them in order, so nothing changes but the round trip: a failing statement leaves the
 * transaction aborted exactly as before, and the ORM rolls it back.
 *
 * Only a text statement without parameters can ride along (the simple protocol takes no
 * parameters; the ORM inlines them); anything else (a prepared statement, a cursor, a callback)
 * sends the held `begin` first, in order, and waits for it.
 */
export class FusedBeginClient extends pg.Client {
  #beginHeld = false;

  // pg's query() has many overloads; the cases handled here are the promise-returning ones.
  override query(...args: unknown[]): never {
    const [first, second, third] = args;
    const send = (...a: unknown[]) => (super.query as (...b: unknown[]) => unknown)(...a);
    const plainText =
      typeof first === 'string' && (second === undefined || (Array.isArray(second) && second.length === 0));
    if (plainText && third === undefined && first.trim().toLowerCase() === 'begin' && !this.#beginHeld) {
      this.#beginHeld = true;
      return Promise.resolve({ command: 'BEGIN', rowCount: null, rows: [], fields: [] }) as never;
    }
    if (!this.#beginHeld) return send(...args) as never;
    this.#beginHeld = false;
    if (plainText && third === undefined) {
      return (send(`begin;${first}`) as Promise<QueryResult>).then((result) =>
        Array.isArray(result) ? result[result.length - 1] : result,
      ) as never;
    }
    const begun = send('begin') as Promise<unknown>;
    if (typeof first === 'object' && first !== null && 'submit' in first) {
      // A submittable (a cursor) is handed back as it is; the client's queue keeps it after `begin`.
      begun.catch(() => {});
      return send(...args) as never;
    }
    return begun.then(() => send(...args)) as never;
  }
}

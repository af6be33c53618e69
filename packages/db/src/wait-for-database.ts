import pg from 'pg';

/**
 * Waits for PostgreSQL at `url` to answer, with backoff (0.5 s doubling to 5 s), for at most
 * `maxWaitMs`: a server started alongside its database (compose, a reboot) comes up once the
 * database does. Each failed attempt is one log line with its reason, never a stack trace; past the
 * deadline it throws a DatabaseUnreachableError with the last reason.
 */
export async function waitForDatabase(
  url: string,
  {
    maxWaitMs,
    connectTimeoutMs = 3000,
    log = () => {},
  }: { maxWaitMs: number; connectTimeoutMs?: number; log?: (message: string) => void },
): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  const where = describe(url);
  for (let attempt = 1, delay = 500; ; attempt++, delay = Math.min(delay * 2, 5000)) {
    const reason = await reach(url, connectTimeoutMs);
    if (!reason) {
      if (attempt > 1) log(`database at ${where} answers (attempt ${attempt})`);
      return;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new DatabaseUnreachableError(where, maxWaitMs, reason);
    const wait = Math.min(delay, left);
    log(
      `database at ${where} not reachable (attempt ${attempt}: ${reason}); retrying in ${(wait / 1000).toFixed(1)} s`,
    );
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
  constructor(where: string, waitedMs: number, reason: string) {
    super(`database at ${where} did not answer within ${Math.round(waitedMs / 1000)} s (last: ${reason})`);
  }
}

/** Undefined when the database answered a query; else why not, in a few words. */
async function reach(url: string, connectTimeoutMs: number): Promise<string | undefined> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: connectTimeoutMs,
    query_timeout: connectTimeoutMs,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    return [code, message?.split('\n')[0]].filter(Boolean).join(' ') || 'unknown error';
  } finally {
    await client.end().catch(() => {});
  }
}

/** host:port/database, without the credentials. */
function describe(url: string) {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

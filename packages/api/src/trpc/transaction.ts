import type { EntityManager } from '@mikro-orm/postgresql';
import { type RequestScope, scopedFork } from '@strictops/db';

/** Runs work atomically in the request's scope: inside the request's transaction, or in one of its own. */
export type RunInTransaction = <T>(work: (em: EntityManager) => Promise<T>) => Promise<T>;

/**
 * Work to do once a failed request's changes are undone, which would otherwise vanish with them (the
 * record of a denied attempt). Steps that refuse add to it; the transaction step runs it last.
 */
export class AfterFailure {
  readonly #hooks: (() => Promise<void>)[] = [];

  add(hook: () => Promise<void>) {
    this.#hooks.push(hook);
  }

  async run() {
    for (const hook of this.#hooks) {
      // The caller gets the refusal either way; failing to note it must not replace it.
      await hook().catch(() => {});
    }
  }
}

const ROLLBACK = Symbol('rollback');

/**
 * Runs the rest of a procedure in one transaction. tRPC reports a failed procedure as a result
 * rather than a throw, so the failure is turned into a rollback here: a mutation and everything
 * it wrote (its audit event included) commit together or not at all.
 */
export async function inTransaction<T extends { ok: boolean }>(
  em: EntityManager,
  run: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  let result: T | undefined;
  try {
    await em.transactional(async (tx) => {
      result = await run(tx);
      if (!result.ok) throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
  return result as T;
}

export type TransactionMode = 'request' | 'manual';

export type RequestTransaction = {
  /** The request's EntityManager: scoped to the caller (and organization) in every transaction it opens. */
  em: EntityManager;
  /** Runs work atomically in the request's scope. */
  transaction: RunInTransaction;
  afterFailure: AfterFailure;
};

/**
 * The request's transaction. In `request` mode (the default) the whole procedure runs in one
 * transaction, scoped when it begins. In `manual` mode there is none: a procedure that waits on a
 * third party (GitHub, AWS, a mail relay) reads, calls and writes in short transactions of its own
 * through `transaction`, so a slow third party never holds a pooled connection; each statement it
 * runs outside them is scoped in a transaction of its own.
 */
export async function runRequest<T extends { ok: boolean }>(
  em: EntityManager,
  { scope, mode }: { scope: RequestScope; mode: TransactionMode },
  next: (request: RequestTransaction) => Promise<T>,
): Promise<T> {
  const scoped = scopedFork(em, scope);
  const afterFailure = new AfterFailure();
  // A step may throw as well as fail through the result: either way the request failed.
  let failed = true;
  try {
    const result =
      mode === 'manual'
        ? await next({ em: scoped, transaction: (work) => scoped.transactional(work), afterFailure })
        : await inTransaction(scoped, (tx) => next({ em: tx, transaction: (work) => work(tx), afterFailure }));
    failed = !result.ok;
    return result;
  } finally {
    if (failed) await afterFailure.run();
  }
}

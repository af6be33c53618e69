import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Flushes in a savepoint. A unique index the change runs into rolls back this flush only, so the
 * request's transaction stays usable, and `duplicate` turns the violation into the caller's error
 * (a taken name, a resource another organization holds). Other failures pass through.
 */
export async function flushOrDuplicate(
  em: EntityManager,
  duplicate: (error: UniqueConstraintViolationException) => Error | Promise<Error>,
) {
  try {
    await em.transactional((tx) => tx.flush());
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw await duplicate(error);
    throw error;
  }
}

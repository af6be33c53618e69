import { v7 } from 'uuid';

/**
 * A UUIDv7 (RFC 9562): Unix milliseconds first, then a counter and randomness. Time-ordered ids keep
 * B-tree inserts at the right edge of the index and make cursor pagination by id stable; within one
 * millisecond the `uuid` package's counter (RFC 9562 §6.2) keeps the ids this process makes strictly
 * increasing, so rows created together sort in creation order.
 */
export function uuidv7(): string {
  return v7();
}

import type { AlertAttempt, AlertDelivery } from '@strictops/db';
import type { DeliveryResult } from './safe-http.ts';

/** How many attempts a delivery keeps in its log. */
export const ATTEMPTS_KEPT = 10;

/** Adds one attempt to a delivery's log, keeping the latest few. */
export function recordAttempt(delivery: AlertDelivery, result: DeliveryResult, at: Date, durationMs: number) {
  const attempt: AlertAttempt = {
    at: at.toISOString(),
    statusCode: result.status,
    error: result.error,
    durationMs: Math.round(durationMs),
  };
  delivery.attempts = [...delivery.attempts, attempt].slice(-ATTEMPTS_KEPT);
}

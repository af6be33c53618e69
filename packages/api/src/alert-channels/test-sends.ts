import { AlertDelivery, uuidv7 } from '@strictops/db';
import { type AuditScope, recordAuditEvent } from '../audit/audit-writer.ts';
import { AppError } from '../errors.ts';
import type { Mailer } from '../invitations/mailer.ts';
import type { RunInTransaction } from '../trpc/transaction.ts';
import { loadChannel } from './alert-channels.service.ts';
import { type AlertEvent, describeAlert } from './alert-messages.ts';
import { channelAddress, UNREADABLE_SECRET } from './channel-targets.ts';
import { recordAttempt } from './delivery-log.ts';
import { deliverAlert } from './notifications.ts';
import type { DeliveryResult } from './safe-http.ts';
import type { SecretBox } from './secret-box.ts';

/**
 * A test send waits on an endpoint the organization chose. It holds no database connection while
 * it waits, but a deliberately slow endpoint could still tie up this process's sockets and its
 * requests' time for everyone: this many run at once, per organization and per server process;
 * more are refused at once with `ALERT_TEST_BUSY`.
 */
export const TEST_SENDS_AT_ONCE = { perOrganization: 2, perProcess: 4 };
const testSendsInFlight = { total: 0, byOrganization: new Map<string, number>() };

async function inTestSendSlot<T>(organizationId: string, send: () => Promise<T>): Promise<T> {
  const mine = testSendsInFlight.byOrganization.get(organizationId) ?? 0;
  if (mine >= TEST_SENDS_AT_ONCE.perOrganization || testSendsInFlight.total >= TEST_SENDS_AT_ONCE.perProcess) {
    throw new AppError('ALERT_TEST_BUSY', 'Other test alerts are still being sent: try again in a few seconds', {
      retryAfterSeconds: 5,
    });
  }
  testSendsInFlight.total++;
  testSendsInFlight.byOrganization.set(organizationId, mine + 1);
  try {
    return await send();
  } finally {
    testSendsInFlight.total--;
    const left = (testSendsInFlight.byOrganization.get(organizationId) ?? 1) - 1;
    if (left > 0) testSendsInFlight.byOrganization.set(organizationId, left);
    else testSendsInFlight.byOrganization.delete(organizationId);
  }
}

/**
 * Sends a test alert now, through the same code as real ones, and reports the outcome: a status
 * code or a reason, never what the remote answered in its body. The try joins the delivery log.
 *
 * The send runs with no transaction open (a slow endpoint holds no database connection): the
 * channel is read in a short transaction, and the try recorded in another, which finds the channel
 * again (deleted meanwhile: ALERT_CHANNEL_NOT_FOUND, and nothing is recorded).
 */
export async function testAlertChannel(
  transaction: RunInTransaction,
  { audit, id, mailer, secrets }: { audit: AuditScope; id: string; mailer: Mailer; secrets: SecretBox },
) {
  const channel = await transaction(async (em) => {
    const found = await loadChannel(em, id, { withSecret: true });
    return { id: found.id, name: found.name, address: channelAddress(found, secrets) };
  });
  const now = new Date();
  const deliveryId = uuidv7();
  const event = 'alert.test' satisfies AlertEvent;
  const payload = { channel: { id: channel.id, name: channel.name } };
  const started = performance.now();
  const { address } = channel;
  const result: DeliveryResult = address
    ? await inTestSendSlot(audit.organizationId, () =>
        deliverAlert(address, describeAlert(deliveryId, event, payload, now), mailer),
      )
    : { ok: false, status: null, error: UNREADABLE_SECRET };
  const durationMs = performance.now() - started;
  return transaction(async (em) => {
    const found = await loadChannel(em, id);
    const delivery = em.create(AlertDelivery, {
      id: deliveryId,
      organization: audit.organizationId,
      channel: found,
      event,
      payload,
      status: result.ok ? 'delivered' : 'failed',
      attemptCount: 1,
      attempts: [],
      deliveredAt: result.ok ? new Date() : null,
    });
    recordAttempt(delivery, result, now, durationMs);
    await em.flush();
    await recordAuditEvent(em, audit, {
      action: 'alert_channel.tested',
      target: { type: 'alert_channel', id: found.id, display: found.name },
      changes: { result: { after: result.ok ? 'delivered' : (result.error ?? 'failed') } },
    });
    return { ok: result.ok, statusCode: result.status, error: result.error };
  });
}

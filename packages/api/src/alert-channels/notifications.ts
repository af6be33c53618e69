import { createHmac, randomBytes } from 'node:crypto';
import type { AlertChannelType } from '@strictops/db';
import type { Mailer } from '../invitations/mailer.ts';
import type { AlertMessage } from './alert-messages.ts';
import { type DeliveryResult, safePost } from './safe-http.ts';

/** What a channel needs to deliver: its type, its shown target and its secret. */
export type ChannelAddress = { type: AlertChannelType; target: string; secret: string | null };

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
export const SIGNATURE_HEADER = 'StrictOps-Signature';

/** A webhook channel's signing secret: made here, shown once. */
export const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/**
 * The webhook signature: HMAC-SHA256 over `<timestamp>.<body>` with the channel's secret, sent as
 * `t=<unix seconds>,v1=<hex>`. Signing the timestamp lets a receiver refuse replays of old
 * deliveries; signing the raw body lets it check before parsing.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

/**
 * Sends one alert through one channel. Email goes through the mailer; every URL a customer gave
 * goes through `safePost` (public HTTPS only, checked again at connect time, no redirects).
 */
export async function deliverAlert(
  channel: ChannelAddress,
  alert: AlertMessage,
  mailer: Mailer,
): Promise<DeliveryResult> {
  const json = (value: unknown) => JSON.stringify(value);
  switch (channel.type) {
    case 'email':
      try {
        await mailer.send({ to: channel.target, subject: `[StrictOps] ${alert.title}`, text: alert.text });
        return { ok: true, status: null, error: null };
      } catch {
        return { ok: false, status: null, error: 'the mail relay refused the message' };
      }
    case 'slack':
      return safePost(channel.secret ?? '', {
        body: json({ text: `*${alert.title}*\n${alert.text}` }),
        headers: { 'content-type': 'application/json' },
      });
    case 'webhook': {
      const body = json({ id: alert.id, type: alert.event, occurredAt: alert.occurredAt, data: alert.data });
      const timestamp = Math.floor(Date.now() / 1000);
      return safePost(channel.target, {
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'StrictOps-Webhooks/1',
          'strictops-event': alert.event,
          'strictops-delivery': alert.id,
          [SIGNATURE_HEADER.toLowerCase()]: signWebhook(channel.secret ?? '', timestamp, body),
        },
      });
    }
    case 'pagerduty':
      // Events API v2: a resolve names the incident by its dedup key alone.
      return safePost(PAGERDUTY_EVENTS_URL, {
        body: json({
          routing_key: channel.secret,
          event_action: alert.action,
          dedup_key: alert.dedupKey,
          ...(alert.action === 'trigger'
            ? {
                payload: {
                  summary: alert.title,
                  source: 'StrictOps',
                  severity: alert.severity,
                  timestamp: alert.occurredAt,
                  custom_details: { text: alert.text, ...alert.data },
                },
              }
            : {}),
        }),
        headers: { 'content-type': 'application/json' },
      });
  }
}

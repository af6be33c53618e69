import type { AlertChannel, AlertChannelType } from '@strictops/db';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { ChannelAddress } from './notifications.ts';
import { checkUrl } from './safe-http.ts';
import type { SecretBox } from './secret-box.ts';

// A channel's target both ways: on save, what the customer typed split into what may be shown and
// the secret to seal; on delivery, the address with that secret unsealed.

const SLACK_HOSTS = ['hooks.slack.com', 'hooks.slack-gov.com'];
/** An incoming webhook's path: /services/<team>/<bot>/<secret>. */
const SLACK_PATH = /^\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+$/;
/** A PagerDuty Events v2 integration (routing) key: 32 letters and digits, nothing else. */
const PAGERDUTY_ROUTING_KEY = /^[A-Za-z0-9]{32}$/;

const invalidTarget = (message: string) => new AppError('VALIDATION_FAILED', message, { field: 'target' });

/** What may be shown of a channel's target, and the secret delivery needs that no response shows again. */
export type ChannelTarget = { target: string; secret: string | null };

/**
 * Splits what the customer typed into what may be shown (`target`) and what delivery needs and no
 * response shows again (`secret`): for Slack the URL itself is the credential, for PagerDuty the
 * routing key. Webhook URLs are shown; their signing secret is made at creation. Every URL is
 * checked here, when it is saved, and again when a delivery connects (safe-http.ts).
 */
export function parseChannelTarget(type: AlertChannelType, raw: string): ChannelTarget {
  const address = normalizedTarget(type, raw);
  // URL normalization percent-encodes: the stored form may outgrow what was typed.
  if (address.target.length > 2048 || (address.secret?.length ?? 0) > 2048) {
    throw invalidTarget('The target is longer than 2048 characters once normalized');
  }
  return address;
}

function normalizedTarget(type: AlertChannelType, raw: string): ChannelTarget {
  switch (type) {
    case 'email': {
      const email = z.email().safeParse(raw.toLowerCase());
      if (!email.success) throw invalidTarget('Not an email address');
      return { target: email.data, secret: null };
    }
    case 'slack': {
      const url = slackWebhook(raw);
      return { target: `https://${url.hostname}/services/…${url.pathname.slice(-4)}`, secret: url.toString() };
    }
    case 'webhook':
      return { target: checkUrl(raw, 'target').toString(), secret: null };
    case 'pagerduty':
      if (!PAGERDUTY_ROUTING_KEY.test(raw)) {
        throw invalidTarget('A PagerDuty Events v2 routing key is 32 letters and digits');
      }
      return { target: `routing key …${raw.slice(-4)}`, secret: raw };
  }
}

/** Slack's incoming-webhook URL and nothing like it: its host, port 443, a /services/ path, no query. */
function slackWebhook(raw: string): URL {
  const url = checkUrl(raw, 'target');
  const slackLike =
    SLACK_HOSTS.includes(url.hostname) && url.port === '' && SLACK_PATH.test(url.pathname) && url.search === '';
  if (!slackLike) {
    throw invalidTarget('A Slack incoming-webhook URL is https://hooks.slack.com/services/…, as Slack shows it');
  }
  return url;
}

/** Why a delivery failed when this server cannot open the channel's secret. */
export const UNREADABLE_SECRET = 'this server cannot open the channel’s secret (was STRICTOPS_SECRETS_KEY changed?)';

/**
 * What delivery needs of a channel, its secret unsealed; null when this server cannot open it (a
 * different key): that is a failed delivery with a reason, like any other, not a crash.
 */
export function channelAddress(
  channel: Pick<AlertChannel, 'id' | 'type' | 'target' | 'secret'>,
  secrets: SecretBox,
): ChannelAddress | null {
  try {
    return {
      type: channel.type,
      target: channel.target,
      secret: channel.secret ? secrets.open(channel.secret, channel.id) : null,
    };
  } catch {
    return null;
  }
}

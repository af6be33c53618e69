import type { Role } from '@strictops/db';

/** An invitation as the recipient sees it. */
export type InvitationMessage = {
  to: string;
  organizationName: string;
  inviterName: string | null;
  role: Role;
  /** The secret token; only this message ever carries it. */
  token: string;
  expiresAt: Date;
};

/** A notification email (alerts): already worded, sent as it is. */
export type PlainMail = { to: string; subject: string; text: string };

/** A composed email, as sent (or logged, or kept in the outbox). `acceptUrl`: an invitation's link. */
export type OutgoingMail = PlainMail & { from: string; acceptUrl?: string };

/** How email leaves the system. The server builds one; tests use `createMemoryMailer`. */
export type Mailer = {
  sendInvitation(message: InvitationMessage): Promise<void>;
  send(mail: PlainMail): Promise<void>;
  /** Every message sent through this mailer when it keeps an outbox (the log and memory mailers). */
  readonly outbox?: readonly OutgoingMail[];
};

export type MailerConfig = {
  /** `smtp://user:pass@host:587` or `smtps://…`; unset: messages go to the log (and the outbox). */
  smtpUrl?: string | undefined;
  /** The public origin the accept link points to (PUBLIC_URL). */
  publicUrl: string;
  from?: string | undefined;
  log?: (message: string, fields: Record<string, unknown>) => void;
};

export const DEFAULT_FROM = 'StrictOps <no-reply@strictops.local>';

/** The page that shows an invitation (`invitations.lookup`) and accepts it (`invitations.accept`). */
export const acceptUrl = (publicUrl: string, token: string) =>
  `${publicUrl.replace(/\/+$/, '')}/invitations/accept?token=${encodeURIComponent(token)}`;

export function composeInvitation(
  message: InvitationMessage,
  publicUrl: string,
  from: string,
): OutgoingMail & { acceptUrl: string } {
  const link = acceptUrl(publicUrl, message.token);
  const who = message.inviterName ? `${message.inviterName} invited you` : 'You are invited';
  return {
    to: message.to,
    from,
    subject: `Join ${message.organizationName} on StrictOps`,
    acceptUrl: link,
    text: [
      `${who} to join ${message.organizationName} on StrictOps as ${message.role}.`,
      '',
      `Accept the invitation: ${link}`,
      '',
      `The link works until ${message.expiresAt.toISOString()} and only for ${message.to}.`,
      'If you did not expect this email, ignore it.',
    ].join('\n'),
  };
}

const OUTBOX_LIMIT = 200;

/** Keeps the latest messages in memory; writes a line to `log` when given one. */
export function createMemoryMailer(config: Omit<MailerConfig, 'smtpUrl'>): Mailer & { outbox: OutgoingMail[] } {
  const outbox: OutgoingMail[] = [];
  const from = config.from ?? DEFAULT_FROM;
  const keep = (mail: OutgoingMail) => {
    outbox.push(mail);
    if (outbox.length > OUTBOX_LIMIT) outbox.shift();
  };
  return {
    outbox,
    async send(mail) {
      keep({ ...mail, from });
      config.log?.('email (SMTP_URL is unset, so it is logged instead of sent)', {
        to: mail.to,
        subject: mail.subject,
      });
    },
    async sendInvitation(message) {
      const mail = composeInvitation(message, config.publicUrl, from);
      keep(mail);
      // The link is the secret an invitee needs: it is logged only where no real delivery exists.
      config.log?.('invitation email (SMTP_URL is unset, so it is logged instead of sent)', {
        to: mail.to,
        subject: mail.subject,
        acceptUrl: mail.acceptUrl,
      });
    },
  };
}

/**
 * How long SMTP may take, in milliseconds: mail is sent inside requests (invitations, test alerts)
 * and by the alert dispatcher, none of which may hang on a relay that stopped answering.
 * nodemailer's own defaults are minutes. `SMTP_URL` query parameters (`?socketTimeout=60000`) win.
 */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** Sends through SMTP with nodemailer. */
export async function createSmtpMailer(config: MailerConfig & { smtpUrl: string }): Promise<Mailer> {
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({ ...SMTP_TIMEOUTS, url: config.smtpUrl });
  const from = config.from ?? DEFAULT_FROM;
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    async sendInvitation(message) {
      const mail = composeInvitation(message, config.publicUrl, from);
      await transport.sendMail({ from: mail.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}

/** SMTP when `smtpUrl` is set, else the log with an in-memory outbox. */
export async function createMailer(config: MailerConfig): Promise<Mailer> {
  if (config.smtpUrl) return createSmtpMailer({ ...config, smtpUrl: config.smtpUrl });
  return createMemoryMailer(config);
}

let fallback: Mailer | undefined;

/**
 * The mailer used when the host passed none: logs to stderr, links built from PUBLIC_URL (or the
 * default local origin). A server always passes its own.
 */
export function fallbackMailer(): Mailer {
  fallback ??= createMemoryMailer({
    publicUrl: process.env.PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`,
    log: (message, fields) => console.warn(message, fields),
  });
  return fallback;
}

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.ts';

/**
 * Checks GitHub's `X-Hub-Signature-256` (`sha256=<hex HMAC of the raw body>`) in constant time,
 * before the body is parsed: a forged delivery costs one HMAC and nothing else. Kept rather than
 * `@octokit/webhooks-methods`' `verify()`, which takes the payload as a string: GitHub signs bytes,
 * and this checks exactly the bytes that arrived, with no decoding between the socket and the HMAC.
 */
export function verifyWebhookSignature(secret: string, rawBody: Buffer | string, header: string | undefined): boolean {
  const match = /^sha256=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match?.[1] || !(Buffer.isBuffer(rawBody) || typeof rawBody === 'string')) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
}

/** How long an install link stays good: the time to click through GitHub's install pages. */
export const INSTALL_STATE_TTL_MS = 30 * 60 * 1000;

type InstallState = { organizationId: string; userId: string; expiresAt: number };

// The state key is derived from the App's private key: no extra secret to configure, and rotating
// the key retires every outstanding install link with it.
const stateKey = (privateKey: string) =>
  createHmac('sha256', privateKey).update('strictops github install state').digest();

/**
 * The `state` an install link carries through GitHub and back: who started it, for which
 * organization, until when, MACed so that nobody can change or forge it.
 */
export function signInstallState(privateKey: string, state: Omit<InstallState, 'expiresAt'>, now = Date.now()) {
  const body = Buffer.from(
    JSON.stringify({
      o: state.organizationId,
      u: state.userId,
      e: now + INSTALL_STATE_TTL_MS,
      n: randomBytes(8).toString('base64url'),
    }),
  ).toString('base64url');
  const mac = createHmac('sha256', stateKey(privateKey)).update(body).digest('base64url');
  return { state: `${body}.${mac}`, expiresAt: new Date(now + INSTALL_STATE_TTL_MS) };
}

/** Reads the organization a state names without trusting it (to route the request); `verifyInstallState` decides. */
export function peekInstallState(state: string): string | null {
  try {
    const decoded = JSON.parse(Buffer.from(state.split('.')[0] ?? '', 'base64url').toString('utf8'));
    return typeof decoded?.o === 'string' ? decoded.o : null;
  } catch {
    return null;
  }
}

export function verifyInstallState(privateKey: string, state: string, now = Date.now()): InstallState {
  const parts = state.split('.');
  const [body = '', mac = ''] = parts;
  // Compared as text, not as decoded bytes: base64url decoding skips stray characters, and a state
  // is accepted only exactly as it was issued.
  const expected = Buffer.from(createHmac('sha256', stateKey(privateKey)).update(body).digest('base64url'));
  const given = Buffer.from(mac);
  if (parts.length !== 2 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError('INSTALL_STATE_INVALID', 'This install link was not made by StrictOps or was changed', {
      field: 'state',
    });
  }
  const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { o: string; u: string; e: number };
  if (decoded.e < now) {
    throw new AppError('INSTALL_STATE_EXPIRED', 'This install link has expired: start the installation again', {
      field: 'state',
    });
  }
  return { organizationId: decoded.o, userId: decoded.u, expiresAt: decoded.e };
}

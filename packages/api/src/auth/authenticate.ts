import type { EntityManager } from '@mikro-orm/postgresql';
import { Session } from '@strictops/db';
import type { RequestInfo, ResponseControl } from '../trpc/context.ts';
import { hashSessionToken, sessionStore } from './session-store.ts';

export type SessionCaller = {
  type: 'session';
  user: { id: string; email: string; name: string };
  session: { id: string; token: string; expiresAt: Date; activeOrganizationId: string | null };
};

// lastSeenAt is for the sessions list, not an audit trail: one write a minute per session is plenty.
const LAST_SEEN_RESOLUTION_MS = 60_000;

/**
 * Resolves the session behind the request's bearer token or cookie, renewing it when it is in the
 * second half of its life. Returns null for a missing, unknown, expired or revoked session.
 */
export async function authenticate(em: EntityManager, request: RequestInfo, response: ResponseControl) {
  const token = request.bearerToken ?? request.cookieToken;
  if (!token) return null;
  const viaCookie = request.bearerToken === null;

  const { session } = await sessionStore(em).validateSession(token);
  if (!session) {
    if (viaCookie) response.clearSessionCookie();
    return null;
  }
  if (session.fresh && viaCookie) response.setSessionCookie(token, session.expiresAt);

  const stored = await em.findOneOrFail(Session, { id: hashSessionToken(token) }, { populate: ['user'] });
  if (Date.now() - stored.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
    await em.nativeUpdate(Session, { id: stored.id }, { lastSeenAt: new Date() });
  }
  return {
    type: 'session',
    user: { id: stored.user.id, email: stored.user.email, name: stored.user.name },
    session: { id: stored.id, token, expiresAt: session.expiresAt, activeOrganizationId: stored.activeOrganizationId },
  } satisfies SessionCaller;
}

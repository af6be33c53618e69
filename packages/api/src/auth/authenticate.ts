import type { EntityManager } from '@mikro-orm/postgresql';
import { API_TOKEN_HASH_SETTING, ApiToken, Session, TENANT_FILTER, type TokenScope } from '@strictops/db';
import { hashToken, isWellFormedToken, looksLikeApiToken } from '../api-tokens/token-format.ts';
import type { RequestInfo, ResponseControl } from '../trpc/context.ts';
import { hashSessionToken, sessionStore } from './session-store.ts';

export type SessionCaller = {
  type: 'session';
  user: { id: string; email: string; name: string };
  session: { id: string; token: string; expiresAt: Date; activeOrganizationId: string | null };
};

/** A program using an API token: it acts for the token's creator, in the token's organization only. */
export type TokenCaller = {
  type: 'api_token';
  user: { id: string; email: string; name: string };
  token: {
    id: string;
    name: string;
    organizationId: string;
    scopes: TokenScope[];
    lastUsedAt: Date | null;
  };
};

export type Caller = SessionCaller | TokenCaller;

/**
 * Resolves an API token by its hash. The organization is not known yet, so this is the one read of
 * api_token outside an organization's scope: the transaction names the hash it looks for, and the
 * `token_lookup` policy lets it see that row and no other. A malformed token (wrong shape or
 * checksum) is refused before any database work.
 */
async function authenticateToken(em: EntityManager, token: string): Promise<TokenCaller | null> {
  if (!isWellFormedToken(token)) return null;
  const lookup = em.fork();
  lookup.setSessionContext({ variables: { [API_TOKEN_HASH_SETTING]: hashToken(token) } });
  const found = await lookup.transactional((tx) =>
    tx.findOne(
      ApiToken,
      { secretHash: hashToken(token) },
      { filters: { [TENANT_FILTER]: false }, populate: ['createdBy'] },
    ),
  );
  if (!found || found.revokedAt || (found.expiresAt && found.expiresAt <= new Date())) return null;
  return {
    type: 'api_token',
    user: { id: found.createdBy.id, email: found.createdBy.email, name: found.createdBy.name },
    token: {
      id: found.id,
      name: found.name,
      organizationId: found.organization.id,
      scopes: found.scopes,
      lastUsedAt: found.lastUsedAt,
    },
  };
}

// lastSeenAt is for the sessions list, not an audit trail: one write a minute per session is plenty.
const LAST_SEEN_RESOLUTION_MS = 60_000;

/**
 * Resolves the caller behind the request: an API token (`Authorization: Bearer sops_…`), or the
 * session behind a bearer token or cookie, renewing a session in the second half of its life.
 * Returns null for a missing, malformed, unknown, expired or revoked credential.
 */
export async function authenticate(
  em: EntityManager,
  request: RequestInfo,
  response: ResponseControl,
): Promise<Caller | null> {
  if (request.bearerToken && looksLikeApiToken(request.bearerToken)) return authenticateToken(em, request.bearerToken);
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

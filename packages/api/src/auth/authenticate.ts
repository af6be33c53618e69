import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role, Tier, TokenScope } from '@strictops/db';
import { hashToken, isWellFormedToken, looksLikeApiToken } from '../api-tokens/token-format.ts';
import { dateOf, optionalDateOf } from '../shared/sql.ts';
import type { RequestInfo, ResponseControl } from '../trpc/context.ts';
import { hashSessionToken, renewalDue, SESSION_LIFETIME } from './session-store.ts';

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

type LimitOverrides = Record<string, number | null> | null;

/** The organization a request would act on, as `request_caller` found it: plain values, no entity. */
export type CallerOrganization = {
  id: string;
  name: string;
  slug: string;
  tier: Tier;
  limitOverrides: LimitOverrides;
  createdAt: Date;
};
export type CallerMembership = { id: string; role: Role; createdAt: Date };

/** One of the user's live organizations with its tier (the account procedures' rate limit). */
export type AccountOrganization = { id: string; slug: string; tier: Tier; limitOverrides: LimitOverrides };

export type Authenticated = {
  caller: Caller;
  /** The organization the request would act on and the caller's membership in it; null: none. */
  entry: { organization: CallerOrganization; membership: CallerMembership } | null;
  /** Every live organization of the user, when asked for. */
  organizations: AccountOrganization[] | null;
};

type CallerRow = {
  user_id: string;
  user_email: string;
  user_name: string;
  session_expires_at: string | null;
  session_last_seen_at: string | null;
  session_active_organization_id: string | null;
  token_id: string | null;
  token_name: string | null;
  token_scopes: TokenScope[] | null;
  token_organization_id: string | null;
  token_last_used_at: string | null;
  organization_id: string | null;
  organization_name: string;
  organization_slug: string;
  organization_tier: Tier;
  organization_limit_overrides: LimitOverrides | string;
  organization_created_at: string;
  membership_id: string;
  membership_role: Role;
  membership_created_at: string;
  organizations: { id: string; slug: string; tier: Tier; limit_overrides: LimitOverrides }[] | string | null;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const json = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

// lastSeenAt is for the sessions list, not an audit trail: one write an hour per session is plenty.
const LAST_SEEN_RESOLUTION_MS = 60 * 60_000;

/**
 * Who is calling and where, in one round trip: the session (or API token) by its hash, its user,
 * and the membership and organization the request would act on (`request_caller`, a SECURITY
 * DEFINER function with one fixed statement: nothing is read unless the credential is live, and
 * the membership is read as it is now, so a removed member is refused on their next request).
 * `requested` is the organization header; `allOrganizations` also lists every live organization of
 * the user with its tier. A session in the second half of its life is renewed (sliding expiry) and
 * its lastSeenAt kept to the hour: at most one session write an hour. Returns null for a missing,
 * malformed, unknown, expired or revoked credential.
 */
export async function authenticate(
  em: EntityManager,
  request: RequestInfo,
  response: ResponseControl,
  { requested, allOrganizations }: { requested: string | null; allOrganizations: boolean },
): Promise<Authenticated | null> {
  const credential = credentialOf(request);
  if (!credential) return null;
  const { apiToken, sessionToken, sessionId, viaCookie } = credential;
  const key = requested?.trim().toLowerCase() || null;
  const [row] = await em.execute<CallerRow[]>('select * from request_caller(?, ?, ?, ?, ?)', [
    sessionId,
    apiToken ? hashToken(apiToken) : null,
    key && UUID.test(key) ? key : null,
    key && !UUID.test(key) ? key : null,
    allOrganizations,
  ]);
  if (!row) {
    if (viaCookie) response.clearSessionCookie();
    return null;
  }
  const caller =
    row.token_id !== null
      ? tokenCaller(row, row.token_id)
      : await sessionCaller(em, response, row, {
          token: sessionToken as string,
          id: sessionId as string,
          viaCookie,
        });
  return { caller, entry: entryOf(row), organizations: organizationsOf(row) };
}

/** The request's API token or session token, or null when it has none worth a database round trip. */
function credentialOf(request: RequestInfo) {
  const apiToken = request.bearerToken && looksLikeApiToken(request.bearerToken) ? request.bearerToken : null;
  // A malformed token (wrong shape or checksum) is refused before any database work.
  if (apiToken && !isWellFormedToken(apiToken)) return null;
  const sessionToken = apiToken ? null : (request.bearerToken ?? request.cookieToken);
  if (!apiToken && !sessionToken) return null;
  const viaCookie = !apiToken && request.bearerToken === null;
  const sessionId = sessionToken ? hashSessionToken(sessionToken) : null;
  return { apiToken, sessionToken, sessionId, viaCookie };
}

const userOf = (row: CallerRow) => ({ id: row.user_id, email: row.user_email, name: row.user_name });

function tokenCaller(row: CallerRow, tokenId: string): TokenCaller {
  return {
    type: 'api_token',
    user: userOf(row),
    token: {
      id: tokenId,
      name: row.token_name ?? '',
      organizationId: row.token_organization_id ?? '',
      scopes: row.token_scopes ?? [],
      lastUsedAt: optionalDateOf(row.token_last_used_at),
    },
  };
}

/** The session's caller, the session kept alive (and its cookie renewed when it came by cookie). */
async function sessionCaller(
  em: EntityManager,
  response: ResponseControl,
  row: CallerRow,
  { token, id, viaCookie }: { token: string; id: string; viaCookie: boolean },
): Promise<SessionCaller> {
  const expiresAt = await keepSessionAlive(em, {
    id,
    expiresAt: dateOf(row.session_expires_at as string),
    lastSeenAt: dateOf(row.session_last_seen_at as string),
  });
  if (expiresAt && viaCookie) response.setSessionCookie(token, expiresAt);
  return {
    type: 'session',
    user: userOf(row),
    session: {
      id,
      token,
      expiresAt: expiresAt ?? dateOf(row.session_expires_at as string),
      activeOrganizationId: row.session_active_organization_id,
    },
  };
}

function entryOf(row: CallerRow): Authenticated['entry'] {
  if (row.organization_id === null) return null;
  return {
    organization: {
      id: row.organization_id,
      name: row.organization_name,
      slug: row.organization_slug,
      tier: row.organization_tier,
      limitOverrides: json(row.organization_limit_overrides),
      createdAt: dateOf(row.organization_created_at),
    },
    membership: {
      id: row.membership_id,
      role: row.membership_role,
      createdAt: dateOf(row.membership_created_at),
    },
  };
}

function organizationsOf(row: CallerRow): Authenticated['organizations'] {
  if (row.organizations === null) return null;
  return json(row.organizations).map((o) => ({
    id: o.id,
    slug: o.slug,
    tier: o.tier,
    limitOverrides: o.limit_overrides,
  }));
}

/**
 * Sliding expiry: a session in the second half of its life gets a full lifetime again; otherwise
 * lastSeenAt moves at most once an hour. Returns the new expiry when it was renewed.
 */
async function keepSessionAlive(
  em: EntityManager,
  session: { id: string; expiresAt: Date; lastSeenAt: Date },
): Promise<Date | null> {
  if (renewalDue(session.expiresAt)) {
    const expiresAt = new Date(Date.now() + SESSION_LIFETIME.milliseconds());
    await em.execute('update "session" set expires_at = ?, last_seen_at = now() where id = ?', [expiresAt, session.id]);
    return expiresAt;
  }
  if (Date.now() - session.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
    await em.execute('update "session" set last_seen_at = now() where id = ?', [session.id]);
  }
  return null;
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiToken, type TokenScope, User } from '@strictops/db';
import { type AuditScope, recordAuditEvent } from '../audit/audit-writer.ts';
import { assertEntitled } from '../entitlements/usage.ts';
import { AppError } from '../errors.ts';
import type { Allows, Authorize } from '../policy.ts';
import { keysetPage } from '../shared/pagination.ts';
import { dateOf, optionalDateOf } from '../shared/sql.ts';
import { displayParts, generateToken, hashToken } from './token-format.ts';

const view = (token: ApiToken) => ({
  id: token.id,
  name: token.name,
  prefix: token.prefix,
  lastFour: token.lastFour,
  scopes: token.scopes,
  createdBy: { id: token.createdBy.id, email: token.createdBy.email },
  createdAt: token.createdAt,
  expiresAt: token.expiresAt,
  lastUsedAt: token.lastUsedAt,
  revokedAt: token.revokedAt,
});

/** Who is asking: the acting user, and the policy's answers about them. */
export type TokenManager = { userId: string; authorize: Authorize; allows: Allows };

/** Whether the manager sees (and may revoke) every token of the organization, or only their own. */
const ownOnly = (manager: TokenManager) =>
  manager.allows('apiTokens.manage', { othersToken: true }) ? {} : { createdBy: manager.userId };

/**
 * Mints a token for the active organization, bound to its creator. The policy caps its scopes by
 * what the creator may grant; the secret is returned once and only its hash is kept.
 */
export async function createApiToken(
  em: EntityManager,
  {
    audit,
    creator,
    input,
  }: {
    audit: AuditScope;
    creator: TokenManager;
    input: { name: string; scopes: TokenScope[]; expiresAt?: Date };
  },
) {
  creator.authorize('apiTokens.manage', { grantedScopes: input.scopes });
  await assertEntitled(em, { organizationId: audit.organizationId, limit: 'activeApiTokens' });
  const secret = generateToken();
  const token = em.create(ApiToken, {
    organization: audit.organizationId,
    name: input.name,
    ...displayParts(secret),
    secretHash: hashToken(secret),
    scopes: input.scopes,
    createdBy: await em.findOneOrFail(User, { id: creator.userId }),
    expiresAt: input.expiresAt ?? null,
    lastUsedAt: null,
    revokedAt: null,
  });
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'api_token.created',
    target: { type: 'api_token', id: token.id, display: token.name },
    changes: { scopes: { after: input.scopes }, expiresAt: { after: input.expiresAt ?? null } },
  });
  return { token: secret, apiToken: view(token) };
}

type TokenRow = {
  id: string;
  name: string;
  prefix: string;
  last_four: string;
  scopes: TokenScope[];
  created_by_id: string;
  created_by_email: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
};

/** Admins see every token of the organization; anyone else, their own. Newest first; plain rows, one query. */
export async function listApiTokens(
  em: EntityManager,
  {
    organizationId,
    manager,
    cursor,
    limit,
  }: { organizationId: string; manager: TokenManager; cursor?: string; limit: number },
) {
  const own: { createdBy?: string } = ownOnly(manager);
  return keysetPage(
    em,
    {
      select: `select t.id, t.name, t.prefix, t.last_four, t.scopes, t.created_by_id, u.email as created_by_email,
                      t.created_at, t.expires_at, t.last_used_at, t.revoked_at
                 from "api_token" t join "user" u on u.id = t.created_by_id`,
      organizationId,
      organizationColumn: 't.organization_id',
      filters: [['t.created_by_id = ?', own.createdBy]],
      key: 't.id',
      order: 'desc',
      cursor,
      limit,
    },
    (row: TokenRow) => ({
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      lastFour: row.last_four,
      scopes: row.scopes,
      createdBy: { id: row.created_by_id, email: row.created_by_email },
      createdAt: dateOf(row.created_at),
      expiresAt: optionalDateOf(row.expires_at),
      lastUsedAt: optionalDateOf(row.last_used_at),
      revokedAt: optionalDateOf(row.revoked_at),
    }),
  );
}

/** Revokes a token; it fails on its very next request. Someone else's token is not found, unless you manage all. */
export async function revokeApiToken(
  em: EntityManager,
  { audit, manager, id }: { audit: AuditScope; manager: TokenManager; id: string },
) {
  const token = await em.findOne(ApiToken, { id, ...ownOnly(manager) }, { populate: ['createdBy'] });
  if (!token) throw new AppError('API_TOKEN_NOT_FOUND', 'API token not found', { field: 'id' });
  if (!token.revokedAt) {
    token.revokedAt = new Date();
    await em.flush();
    await recordAuditEvent(em, audit, {
      action: 'api_token.revoked',
      target: { type: 'api_token', id: token.id, display: token.name },
    });
  }
  return view(token);
}

// One write a minute per token is plenty to answer "is this token still used?".
const LAST_USED_RESOLUTION_MS = 60_000;

/** Notes a token's use, at most once a minute, inside the request's organization scope. */
export async function markTokenUsed(em: EntityManager, token: { id: string; lastUsedAt: Date | null }) {
  if (token.lastUsedAt && Date.now() - token.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  await em.nativeUpdate(ApiToken, { id: token.id }, { lastUsedAt: new Date() });
}

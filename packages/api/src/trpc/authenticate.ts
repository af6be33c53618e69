import { createHash, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../audit/audit-writer.ts';
import { type Authenticated, authenticate, type Caller } from '../auth/authenticate.ts';
import type { ServiceCredential } from '../dependencies.ts';
import { AppError } from '../errors.ts';
import type { RequestInfo, ResponseControl } from './context.ts';

export type AuthenticatedCaller = Authenticated & { actor: Actor };

/**
 * Who is calling, and where they would act: the session or API token behind the request, the
 * organization it names (or the session's), the caller's membership there, and the actor its audit
 * events name, in one round trip. Nothing else is read before this succeeds; a missing, unknown,
 * expired or revoked credential is UNAUTHENTICATED. `allOrganizations` also lists the user's
 * organizations with their tiers (account procedures' rate limit).
 */
export async function authenticateCaller(
  em: EntityManager,
  request: RequestInfo,
  response: ResponseControl,
  { allOrganizations }: { allOrganizations: boolean },
): Promise<AuthenticatedCaller> {
  const authenticated = await authenticate(em, request, response, {
    requested: request.organization,
    allOrganizations,
  });
  if (!authenticated) {
    throw new AppError('UNAUTHENTICATED', 'Sign in first: send a session token, a cookie or an API token');
  }
  const { caller } = authenticated;
  const actor: Actor =
    caller.type === 'api_token'
      ? { type: 'api_token', id: caller.token.id, display: `${caller.token.name} (token of ${caller.user.email})` }
      : { type: 'user', id: caller.user.id, display: caller.user.email };
  return { ...authenticated, actor };
}

/** Account procedures act for a person, never for a token: a token belongs to one organization. */
export function requireSession(caller: Caller): asserts caller is Extract<Caller, { type: 'session' }> {
  if (caller.type !== 'session') {
    throw new AppError('TOKEN_NOT_ALLOWED', 'This procedure needs a signed-in session, not an API token');
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The configured service whose secret this is, compared in constant time, or undefined. */
export function serviceFor(secret: string | null, credentials: ServiceCredential[] | undefined) {
  if (!secret || !credentials?.length) return undefined;
  const digest = sha256(secret);
  let found: ServiceCredential | undefined;
  for (const credential of credentials) {
    // Every credential is compared, so the time taken says nothing about which one matched.
    if (timingSafeEqual(digest, Buffer.from(credential.secretSha256, 'hex')) && !found) found = credential;
  }
  return found;
}

/**
 * An internal service (deploy worker, billing) calling with its service credential as the bearer
 * token. Members and API tokens are unauthenticated here.
 */
export function authenticateService(
  request: RequestInfo,
  credentials: ServiceCredential[] | undefined,
): { service: ServiceCredential; actor: Actor } {
  const service = serviceFor(request.bearerToken, credentials);
  if (!service) throw new AppError('UNAUTHENTICATED', 'Internal procedures need a service credential');
  return { service, actor: { type: 'service', id: service.name, display: `service ${service.name}` } };
}

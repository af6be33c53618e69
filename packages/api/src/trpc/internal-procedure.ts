import { createHash, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../audit/audit.service.ts';
import { AppError } from '../errors.ts';
import type { ServiceCredential } from './context.ts';
import { baseProcedure, inTransaction } from './procedures.ts';

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
 * Internal services (deploy workers, billing) calling with a service credential as their bearer
 * token. Nothing a member or an API token can call: they are refused as unauthenticated here. The
 * procedure runs in one transaction; it chooses the organization it acts on explicitly.
 */
export const internalProcedure = baseProcedure.use(async ({ ctx, next }) => {
  const service = serviceFor(ctx.request.bearerToken, ctx.serviceCredentials);
  if (!service) throw new AppError('UNAUTHENTICATED', 'Internal procedures need a service credential');
  const actor: Actor = { type: 'service', id: service.name, display: `service ${service.name}` };
  return inTransaction(ctx.em, (em) => next({ ctx: { actor, em } }));
});

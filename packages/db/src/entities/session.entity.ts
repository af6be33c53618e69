import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { User } from './user.entity.ts';

/**
 * A signed-in session. The id is the SHA-256 of the secret the client holds, so a copy of this
 * table is no key to any account.
 */
export const Session = defineEntity({
  name: 'Session',
  tableName: 'session',
  properties: {
    id: p.string().length(64).primary(),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    expiresAt: p.datetime(),
    // Not a foreign key on purpose: an organization's purge must not have to touch sessions, and a
    // stale value simply falls back to another membership at the next request.
    activeOrganizationId: p.uuid().strictNullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastSeenAt: p.datetime().onCreate(() => new Date()),
    ip: p.string().length(64).strictNullable(),
    userAgent: p.string().length(512).strictNullable(),
  },
});

export type Session = InferEntity<typeof Session>;

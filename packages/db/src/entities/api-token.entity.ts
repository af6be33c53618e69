import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { Organization } from './organization.entity.ts';
import { User } from './user.entity.ts';

export const TOKEN_SCOPES = ['read', 'write', 'deploy', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * Programmatic access for one organization, acting for its creator within its scopes. Only a
 * SHA-256 of the secret is stored, with a prefix and the last four characters for display.
 */
export const ApiToken = defineEntity({
  name: 'ApiToken',
  tableName: 'api_token',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    name: p.string().length(100),
    prefix: p.string().length(16),
    lastFour: p.string().length(4),
    secretHash: p.string().length(64).unique(),
    scopes: p.array<TokenScope>(),
    createdBy: () => p.manyToOne(User).deleteRule('cascade'),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime().strictNullable(),
    lastUsedAt: p.datetime().strictNullable(),
    revokedAt: p.datetime().strictNullable(),
  },
  indexes: [{ properties: ['organization', 'id'] }, { properties: ['organization', 'createdBy', 'id'] }],
  ...organizationOwned,
});

export type ApiToken = InferEntity<typeof ApiToken>;

import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';

export const TIERS = ['FREE', 'STARTER', 'PROFESSIONAL', 'ENTERPRISE'] as const;
export type Tier = (typeof TIERS)[number];

/** The tenant: the isolation, team and billing boundary that owns everything else. */
export const Organization = defineEntity({
  name: 'Organization',
  tableName: 'organization',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    name: p.string().length(200),
    slug: p.string().length(48).unique(),
    tier: p.enum(TIERS).default('FREE'),
    // Only meaningful on ENTERPRISE: per-organization values that replace the tier's defaults.
    limitOverrides: p.json<Record<string, number | null>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    deletedAt: p.datetime().strictNullable(),
  },
});

export type Organization = InferEntity<typeof Organization>;

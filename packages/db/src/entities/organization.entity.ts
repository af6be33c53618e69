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
    slug: p.string().length(48).index('organization_slug_index'),
    tier: p.enum(TIERS).default('FREE'),
    // Only meaningful on ENTERPRISE: per-organization values that replace the tier's defaults.
    limitOverrides: p.json<Record<string, number | null>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    deletedAt: p.datetime().strictNullable(),
  },
  uniques: [
    {
      // Unique on an expression, not on the column (slugs are lower-case either way): PostgreSQL then
      // does not count the slug as a key, so renaming it takes the same row lock as any other update
      // and never blocks the key-share lock every audit event's foreign key takes on this row.
      name: 'organization_slug_unique',
      expression: 'create unique index "organization_slug_unique" on "organization" (lower("slug"))',
    },
  ],
});

export type Organization = InferEntity<typeof Organization>;

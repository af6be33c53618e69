import { TIERS } from '@strictops/db';
import { z } from 'zod';

// The billing service's side of the internal API: what it sends to `internal.organizations.setTier`
// and what it reads back.

export const SetTierInput = z.strictObject({
  organizationId: z.uuid(),
  tier: z.enum(TIERS),
  limitOverrides: z
    .record(z.string(), z.number().int().min(0).nullable())
    .nullable()
    .optional()
    .describe('ENTERPRISE only'),
});
export const TierDto = z.object({
  organizationId: z.uuid(),
  tier: z.enum(TIERS),
  limitOverrides: z.record(z.string(), z.number().nullable()).nullable(),
});

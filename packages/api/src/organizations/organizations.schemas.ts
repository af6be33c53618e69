import { ROLES, TIERS } from '@strictops/db';
import { z } from 'zod';
import { Slug } from '../shared/slugs.ts';

export const OrganizationName = z.string().trim().min(1).max(200);

export const RoleSchema = z.enum(ROLES);

export const OrganizationDto = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  tier: z.enum(TIERS),
  createdAt: z.date(),
});

export const OrganizationWithRoleDto = OrganizationDto.extend({ role: RoleSchema });

export const CreateOrganizationInput = z.strictObject({ name: OrganizationName, slug: Slug.optional() });

export const UpdateOrganizationInput = z
  .strictObject({ name: OrganizationName.optional(), slug: Slug.optional() })
  .refine((input) => input.name !== undefined || input.slug !== undefined, 'Give a name, a slug or both');

export const SwitchOrganizationInput = z.strictObject({
  organization: z.string().trim().min(1).max(64).describe('The organization id or slug'),
});

export const OrganizationListDto = z.object({ items: z.array(OrganizationWithRoleDto) });

export const UsageDto = z.object({
  tier: z.enum(TIERS),
  limits: z.array(
    z.object({
      name: z.string(),
      limit: z.number().int().nullable().describe('null: unlimited'),
      usage: z.number().int().nullable().describe('null: not counted yet'),
    }),
  ),
  auditRetentionDays: z.number().int(),
  rateLimitMultiplier: z.number(),
  auditExport: z.boolean(),
  alertNotificationsPerChannelPerMinute: z
    .number()
    .int()
    .describe('Alert notifications a channel gets in one minute before the rest are grouped into a summary'),
});

export const DeleteOrganizationInput = z.strictObject({
  confirmSlug: z.string().trim().min(1).max(64).describe('The organization’s slug, typed by the caller to confirm'),
});

export const DeletedOrganizationDto = z.object({
  id: z.uuid(),
  slug: z.string(),
  deletedAt: z.date(),
  purgeAfter: z.date().describe('When the purge removes it for good'),
});

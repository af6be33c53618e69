import { User } from '@strictops/db';
import { Empty } from '../auth/auth.schemas.ts';
import { usageOf } from '../entitlements/usage.ts';
import { router } from '../trpc/init.ts';
import { authedProcedure, orgProcedure } from '../trpc/procedures.ts';
import {
  CreateOrganizationInput,
  DeletedOrganizationDto,
  DeleteOrganizationInput,
  OrganizationListDto,
  OrganizationWithRoleDto,
  SwitchOrganizationInput,
  UpdateOrganizationInput,
  UsageDto,
} from './organizations.schemas.ts';
import * as organizations from './organizations.service.ts';

const tags = ['organizations'];

export const organizationsRouter = router({
  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/organizations', tags, summary: 'Organizations the caller belongs to' } })
    .input(Empty)
    .output(OrganizationListDto)
    .query(async ({ ctx }) => ({ items: await organizations.listOrganizationsOf(ctx.em, ctx.caller.user.id) })),

  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/organizations',
        tags,
        summary: 'Create an organization; you become its admin',
      },
    })
    .input(CreateOrganizationInput)
    .output(OrganizationWithRoleDto)
    .mutation(({ ctx, input }) =>
      organizations.withSlugRetry(ctx.em, async (tx) => {
        const user = await tx.findOneOrFail(User, { id: ctx.caller.user.id });
        return organizations.createOrganization(tx, { user, ...input, origin: ctx.origin });
      }),
    ),

  get: orgProcedure
    .meta({
      permission: 'organization.read',
      openapi: { method: 'GET', path: '/organizations/current', tags, summary: 'The active organization' },
    })
    .input(Empty)
    .output(OrganizationWithRoleDto)
    .query(({ ctx }) => organizations.toOrganizationView(ctx.organization, ctx.membership.role)),

  update: orgProcedure
    .meta({
      permission: 'organization.update',
      openapi: {
        method: 'PATCH',
        path: '/organizations/current',
        tags,
        summary: 'Rename the active organization or change its slug',
      },
    })
    .input(UpdateOrganizationInput)
    .output(OrganizationWithRoleDto)
    .mutation(({ ctx, input }) =>
      organizations.updateOrganization(ctx.em, { audit: ctx.audit, changes: input, role: ctx.membership.role }),
    ),

  delete: orgProcedure
    .meta({
      permission: 'organization.delete',
      openapi: {
        method: 'DELETE',
        path: '/organizations/current',
        tags,
        summary: 'Delete the active organization (type its slug to confirm); purged for good after 30 days',
      },
    })
    .input(DeleteOrganizationInput)
    .output(DeletedOrganizationDto)
    .mutation(({ ctx, input }) =>
      organizations.deleteOrganization(ctx.em, { audit: ctx.audit, confirmSlug: input.confirmSlug }),
    ),

  switch: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/organizations/switch',
        tags,
        summary: 'Make an organization the session’s active one',
      },
    })
    .input(SwitchOrganizationInput)
    .output(OrganizationWithRoleDto)
    .mutation(({ ctx, input }) =>
      organizations.switchOrganization(ctx.em, {
        userId: ctx.caller.user.id,
        sessionId: ctx.caller.session.id,
        organization: input.organization,
      }),
    ),

  usage: orgProcedure
    .meta({
      permission: 'organization.read',
      openapi: {
        method: 'GET',
        path: '/organizations/current/usage',
        tags,
        summary: 'Every limit of the tier with its usage',
      },
    })
    .input(Empty)
    .output(UsageDto)
    .query(({ ctx }) => usageOf(ctx.em, ctx.organization)),
});

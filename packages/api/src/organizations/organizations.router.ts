import { User } from '@strictops/db';
import { usageOf } from '../entitlements/usage.ts';
import { NoInput } from '../shared/schemas.ts';
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
  /**
   * Every organization the signed-in user belongs to, with their role in each.
   */
  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/organizations', tags, summary: 'Organizations the caller belongs to' } })
    .input(NoInput)
    .output(OrganizationListDto)
    .query(async ({ ctx }) => ({ items: await organizations.listOrganizationsOf(ctx.em, ctx.caller.user.id) })),

  /**
   * Creates an organization with you as its `strictops_admin`; the slug is derived from the name when
   * left out.
   */
  create: authedProcedure
    .meta({
      auditLog: 'created-organization',
      errors: ['SLUG_TAKEN'],
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

  /**
   * The organization the call acts on (the `organization` option, else the session's active one), with
   * your role in it.
   */
  get: orgProcedure
    .meta({
      permission: 'organization.read',
      openapi: { method: 'GET', path: '/organizations/current', tags, summary: 'The active organization' },
    })
    .input(NoInput)
    .output(OrganizationWithRoleDto)
    .query(({ ctx }) => organizations.toOrganizationView(ctx.organization, ctx.membership.role)),

  /**
   * Renames the organization or changes its slug.
   */
  update: orgProcedure
    .meta({
      errors: ['SLUG_TAKEN'],
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

  /**
   * Deletes the organization: type its slug to confirm. It stops answering at once and is purged for
   * good after 30 days.
   */
  delete: orgProcedure
    .meta({
      errors: ['CONFIRMATION_MISMATCH'],
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

  /**
   * Makes an organization (id or slug) the session's active one.
   */
  switch: authedProcedure
    .meta({
      auditLog: 'none',
      errors: ['ORGANIZATION_NOT_FOUND'],
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

  /**
   * Every limit of the organization's tier with its current usage, and its rate-limit multiplier.
   */
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
    .input(NoInput)
    .output(UsageDto)
    .query(({ ctx }) => usageOf(ctx.em, ctx.organization)),
});

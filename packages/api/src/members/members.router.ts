import { NoInput } from '../shared/schemas.ts';
import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import { ListMembersInput, MemberDto, MemberIdInput, MemberListDto, UpdateMemberRoleInput } from './members.schemas.ts';
import * as members from './members.service.ts';

const tags = ['members'];

export const membersRouter = router({
  /**
   * Members of the organization with their roles, a page at a time. Iterate every page with
   * `paginate`.
   */
  list: orgProcedure
    .meta({
      permission: 'members.read',
      openapi: { method: 'GET', path: '/members', tags, summary: 'Members of the organization' },
    })
    .input(ListMembersInput)
    .output(MemberListDto)
    .query(({ ctx, input }) => members.listMembers(ctx.em, { organizationId: ctx.organization.id, ...input })),

  /**
   * Changes a member's role; the last `strictops_admin` cannot be demoted.
   */
  updateRole: orgProcedure
    .meta({
      errors: ['MEMBER_NOT_FOUND', 'LAST_ADMIN'],
      permission: 'members.manage',
      openapi: {
        method: 'PATCH',
        path: '/members/{id}',
        tags,
        summary: 'Change a member’s role; the last strictops_admin cannot be demoted',
      },
    })
    .input(UpdateMemberRoleInput)
    .output(MemberDto)
    .mutation(({ ctx, input }) => members.updateMemberRole(ctx.em, { audit: ctx.audit, ...input })),

  /**
   * Removes a member at once; the last `strictops_admin` cannot be removed.
   */
  remove: orgProcedure
    .meta({
      errors: ['MEMBER_NOT_FOUND', 'LAST_ADMIN'],
      permission: 'members.manage',
      openapi: {
        method: 'DELETE',
        path: '/members/{id}',
        tags,
        summary: 'Remove a member; the last strictops_admin cannot be removed',
      },
    })
    .input(MemberIdInput)
    .output(MemberDto)
    .mutation(({ ctx, input }) => members.removeMember(ctx.em, { audit: ctx.audit, id: input.id })),

  /**
   * Leaves the organization (not as its last `strictops_admin`).
   */
  leave: orgProcedure
    .meta({
      errors: ['LAST_ADMIN'],
      permission: 'members.leave',
      openapi: {
        method: 'POST',
        path: '/members/leave',
        tags,
        summary: 'Leave the organization (not as its last strictops_admin)',
      },
    })
    .input(NoInput)
    .output(MemberDto)
    .mutation(({ ctx }) => members.leaveOrganization(ctx.em, { audit: ctx.audit, membershipId: ctx.membership.id })),
});

import { Empty } from '../auth/auth.schemas.ts';
import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import { ListMembersInput, MemberDto, MemberIdInput, MemberListDto, UpdateMemberRoleInput } from './members.schemas.ts';
import * as members from './members.service.ts';

const tags = ['members'];

export const membersRouter = router({
  list: orgProcedure
    .meta({
      permission: 'members.read',
      openapi: { method: 'GET', path: '/members', tags, summary: 'Members of the organization' },
    })
    .input(ListMembersInput)
    .output(MemberListDto)
    .query(({ ctx, input }) => members.listMembers(ctx.em, { organizationId: ctx.organization.id, ...input })),

  updateRole: orgProcedure
    .meta({
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

  remove: orgProcedure
    .meta({
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

  leave: orgProcedure
    .meta({
      permission: 'members.leave',
      openapi: {
        method: 'POST',
        path: '/members/leave',
        tags,
        summary: 'Leave the organization (not as its last strictops_admin)',
      },
    })
    .input(Empty)
    .output(MemberDto)
    .mutation(({ ctx }) => members.leaveOrganization(ctx.em, { audit: ctx.audit, membershipId: ctx.membership.id })),
});

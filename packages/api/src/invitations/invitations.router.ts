import { OrganizationWithRoleDto } from '../organizations/organizations.schemas.ts';
import { router } from '../trpc/init.ts';
import { authedProcedure, orgProcedure, publicProcedure } from '../trpc/procedures.ts';
import {
  CreateInvitationInput,
  InvitationDto,
  InvitationIdInput,
  InvitationListDto,
  InvitationPreviewDto,
  InvitationTokenInput,
  ListInvitationsInput,
} from './invitations.schemas.ts';
import * as invitations from './invitations.service.ts';
import { fallbackMailer } from './mailer.ts';

const tags = ['invitations'];

export const invitationsRouter = router({
  create: orgProcedure
    .meta({
      permission: 'members.manage',
      // The email is sent outside any transaction (see createInvitation).
      transaction: 'manual',
      openapi: { method: 'POST', path: '/invitations', tags, summary: 'Invite someone by email, with a role' },
    })
    .input(CreateInvitationInput)
    .output(InvitationDto)
    .mutation(({ ctx, input }) =>
      invitations.createInvitation(ctx.transaction, {
        audit: ctx.audit,
        ...input,
        delivery: { mailer: ctx.mailer ?? fallbackMailer(), inviterName: ctx.caller.user.name },
      }),
    ),

  list: orgProcedure
    .meta({
      permission: 'members.read',
      openapi: { method: 'GET', path: '/invitations', tags, summary: 'Invitations of the organization, by status' },
    })
    .input(ListInvitationsInput)
    .output(InvitationListDto)
    .query(({ ctx, input }) => invitations.listInvitations(ctx.em, input)),

  revoke: orgProcedure
    .meta({
      permission: 'members.manage',
      openapi: { method: 'POST', path: '/invitations/{id}/revoke', tags, summary: 'Revoke an invitation' },
    })
    .input(InvitationIdInput)
    .output(InvitationDto)
    .mutation(({ ctx, input }) => invitations.revokeInvitation(ctx.em, { audit: ctx.audit, id: input.id })),

  resend: orgProcedure
    .meta({
      permission: 'members.manage',
      transaction: 'manual',
      openapi: {
        method: 'POST',
        path: '/invitations/{id}/resend',
        tags,
        summary: 'Send a new link (the old one stops working) valid for 7 more days',
      },
    })
    .input(InvitationIdInput)
    .output(InvitationDto)
    .mutation(({ ctx, input }) =>
      invitations.resendInvitation(ctx.transaction, {
        audit: ctx.audit,
        id: input.id,
        delivery: { mailer: ctx.mailer ?? fallbackMailer(), inviterName: ctx.caller.user.name },
      }),
    ),

  lookup: publicProcedure
    .meta({
      rateLimit: 'auth',
      openapi: {
        method: 'POST',
        path: '/invitations/lookup',
        protect: false,
        tags,
        summary: 'What an invitation link is for: organization, inviter, role, expiry',
      },
    })
    .input(InvitationTokenInput)
    .output(InvitationPreviewDto)
    .query(({ ctx, input }) => invitations.lookupInvitation(ctx.em, input.token)),

  accept: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/invitations/accept',
        tags,
        summary: 'Join the organization; it becomes the session’s active one',
      },
    })
    .input(InvitationTokenInput)
    .output(OrganizationWithRoleDto)
    .mutation(({ ctx, input }) =>
      invitations.acceptInvitation(ctx.em, {
        token: input.token,
        user: ctx.caller.user,
        sessionId: ctx.caller.session.id,
        actor: ctx.actor,
        origin: ctx.origin,
      }),
    ),
});

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
  /**
   * Invites someone by email with a role (`customer` by default) and emails them a link valid for 7
   * days. Pending invitations count against the members limit.
   */
  create: orgProcedure
    .meta({
      errors: ['ALREADY_MEMBER', 'INVITATION_PENDING', 'LIMIT_REACHED', 'MAIL_DELIVERY_FAILED'],
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

  /**
   * Invitations of the organization, filtered by status, a page at a time. Iterate every page with
   * `paginate`.
   */
  list: orgProcedure
    .meta({
      permission: 'members.read',
      openapi: { method: 'GET', path: '/invitations', tags, summary: 'Invitations of the organization, by status' },
    })
    .input(ListInvitationsInput)
    .output(InvitationListDto)
    .query(({ ctx, input }) => invitations.listInvitations(ctx.em, { organizationId: ctx.organization.id, ...input })),

  /**
   * Revokes a pending invitation: its link stops working.
   */
  revoke: orgProcedure
    .meta({
      errors: ['INVITATION_NOT_FOUND', 'INVITATION_ALREADY_ACCEPTED'],
      permission: 'members.manage',
      openapi: { method: 'POST', path: '/invitations/{id}/revoke', tags, summary: 'Revoke an invitation' },
    })
    .input(InvitationIdInput)
    .output(InvitationDto)
    .mutation(({ ctx, input }) => invitations.revokeInvitation(ctx.em, { audit: ctx.audit, id: input.id })),

  /**
   * Emails a new link valid for 7 more days; the old link stops working.
   */
  resend: orgProcedure
    .meta({
      errors: [
        'INVITATION_NOT_FOUND',
        'INVITATION_ALREADY_ACCEPTED',
        'INVITATION_REVOKED',
        'INVITATION_PENDING',
        'MAIL_DELIVERY_FAILED',
      ],
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

  /**
   * What an invitation link is for (organization, inviter, role, expiry), before the invitee signs in
   * or up. Anyone holding the link may ask.
   */
  lookup: publicProcedure
    .meta({
      errors: ['INVITATION_NOT_FOUND', 'INVITATION_EXPIRED', 'INVITATION_REVOKED', 'INVITATION_ALREADY_ACCEPTED'],
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

  /**
   * Joins the organization an invitation is for, as the signed-in user (the invited email); it becomes
   * the session's active organization.
   */
  accept: authedProcedure
    .meta({
      auditLog: 'found-organization',
      errors: [
        'INVITATION_NOT_FOUND',
        'INVITATION_EXPIRED',
        'INVITATION_REVOKED',
        'INVITATION_ALREADY_ACCEPTED',
        'INVITATION_EMAIL_MISMATCH',
        'ALREADY_MEMBER',
      ],
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

import { INVITATION_STATUSES } from '@strictops/db';
import { z } from 'zod';
import { RoleSchema } from '../organizations/organizations.schemas.ts';
import { PageFields, pageDto } from '../shared/pagination.ts';
import { Email, optionalInput } from '../shared/schemas.ts';
import { InvitationToken } from './token.schema.ts';

export const InvitationStatusSchema = z.enum(INVITATION_STATUSES);

export const CreateInvitationInput = z.strictObject({ email: Email, role: RoleSchema.default('customer') });
export const InvitationIdInput = z.strictObject({ id: z.uuid() });
export const InvitationTokenInput = z.strictObject({ token: InvitationToken });
export const ListInvitationsInput = optionalInput(
  z.strictObject({ status: InvitationStatusSchema.optional(), ...PageFields }),
);

export const InvitationDto = z.object({
  id: z.uuid(),
  email: z.string(),
  role: RoleSchema,
  status: InvitationStatusSchema,
  invitedBy: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  createdAt: z.date(),
  expiresAt: z.date(),
  acceptedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});

export const InvitationListDto = pageDto(InvitationDto);

/** What the accept page shows before the invitee signs in or up: nothing more. */
export const InvitationPreviewDto = z.object({
  organizationName: z.string(),
  inviterName: z.string().nullable(),
  role: RoleSchema,
  expiresAt: z.date(),
});

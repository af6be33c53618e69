import { z } from 'zod';
import { InvitationToken } from '../invitations/token.schema.ts';
import { OrganizationWithRoleDto } from '../organizations/organizations.schemas.ts';
import { Email } from '../shared/schemas.ts';
import { PASSWORD_MAX, PASSWORD_MIN } from './password.ts';

export const Password = z.string().min(PASSWORD_MIN).max(PASSWORD_MAX);

export const SignUpInput = z.strictObject({
  email: Email,
  password: Password,
  name: z.string().trim().min(1).max(200),
  invitationToken: InvitationToken.optional().describe(
    'From an invitation link: join that organization (the email must be the invited one) instead of creating one',
  ),
});
export const SignInInput = z.strictObject({ email: Email, password: z.string().min(1).max(PASSWORD_MAX) });

export const UserDto = z.object({ id: z.uuid(), email: z.string(), name: z.string(), createdAt: z.date() });
export const SessionTokenDto = z.object({
  token: z.string().describe('The session secret: send it as `Authorization: Bearer <token>`. Shown once.'),
  expiresAt: z.date(),
});

export const SignedInDto = z.object({ user: UserDto, session: SessionTokenDto });

export const MeDto = z.object({
  user: UserDto,
  memberships: z.array(OrganizationWithRoleDto),
  activeOrganization: OrganizationWithRoleDto.nullable(),
});

export const SessionDto = z.object({
  id: z.string().describe('Identifies the session for revocation; it is not the secret'),
  createdAt: z.date(),
  lastSeenAt: z.date(),
  expiresAt: z.date(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});

export const SessionListDto = z.object({ items: z.array(SessionDto) });
export const RevokeSessionInput = z.strictObject({ id: z.string().regex(/^[0-9a-f]{64}$/, 'Not a session id') });

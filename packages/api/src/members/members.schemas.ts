import { z } from 'zod';
import { RoleSchema } from '../organizations/organizations.schemas.ts';
import { PageFields, pageDto } from '../shared/pagination.ts';
import { optionalInput } from '../shared/schemas.ts';

export const ListMembersInput = optionalInput(z.strictObject({ ...PageFields }));
export const MemberIdInput = z.strictObject({ id: z.uuid().describe('The membership id (`MemberDto.id`)') });
export const UpdateMemberRoleInput = z.strictObject({ id: z.uuid(), role: RoleSchema });

export const MemberDto = z.object({
  id: z.uuid().describe('The membership id'),
  userId: z.uuid(),
  name: z.string(),
  email: z.string(),
  role: RoleSchema,
  joinedAt: z.date(),
});

export const MemberListDto = pageDto(MemberDto);

import { z } from 'zod';

export const EnvironmentName = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'Lower-case letters, digits and hyphens, starting with a letter');

export const EnvironmentDto = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  name: z.string(),
  protected: z.boolean(),
  createdAt: z.date(),
});

export const CreateEnvironmentInput = z.strictObject({
  projectId: z.uuid(),
  name: EnvironmentName,
  protected: z.boolean().default(false),
});
export const UpdateEnvironmentInput = z
  .strictObject({ id: z.uuid(), name: EnvironmentName.optional(), protected: z.boolean().optional() })
  .refine((input) => input.name !== undefined || input.protected !== undefined, 'Give a name, protected or both');
export const EnvironmentRef = z.strictObject({ id: z.uuid() });
export const ListEnvironmentsInput = z.strictObject({ projectId: z.uuid() });
export const EnvironmentListDto = z.object({ items: z.array(EnvironmentDto) });

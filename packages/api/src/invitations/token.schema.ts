import { z } from 'zod';

/** The secret from an invitation's accept link (43 base64url characters when issued here). */
export const InvitationToken = z
  .string()
  .trim()
  .min(32)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'Not an invitation token');

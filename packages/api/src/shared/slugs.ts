import { randomBytes } from 'node:crypto';
import { z } from 'zod';

// Slugs appear in URLs and in the organization header; these would collide with routes or mislead.
export const RESERVED_SLUGS = new Set([
  'admin',
  'api',
  'app',
  'auth',
  'billing',
  'dashboard',
  'docs',
  'help',
  'internal',
  'login',
  'logout',
  'me',
  'new',
  'null',
  'organizations',
  'settings',
  'signin',
  'signup',
  'static',
  'status',
  'strictops',
  'support',
  'system',
  'trpc',
  'undefined',
  'webhooks',
  'www',
]);

/** A slug a caller chooses: it names an organization or a project in URLs. */
export const Slug = z
  .string()
  .trim()
  .toLowerCase()
  .min(3)
  .max(48)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'Use lower-case letters, digits and single hyphens')
  .refine((slug) => !RESERVED_SLUGS.has(slug), 'This slug is reserved');

/**
 * A slug derived from a name: its letters and digits, accents dropped, hyphens between words. One
 * too short or reserved is prefixed `org-` (so it is never a reserved slug nor under three letters).
 */
export function slugFromName(name: string): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 36)
    .replace(/-+$/, '');
  return base.length >= 3 && !RESERVED_SLUGS.has(base) ? base : `org-${base || 'new'}`.replace(/-+$/, '');
}

const randomSuffix = () => randomBytes(4).toString('hex').slice(0, 6);

/**
 * The slug a new organization or project gets: the one the caller chose, or one derived from its
 * name, suffixed at random when another row has it already. A chosen slug is never changed: a
 * taken one is the caller's SLUG_TAKEN, as is a race that the unique index decides.
 */
export async function slugFor({
  chosen,
  name,
  taken,
}: {
  chosen: string | undefined;
  name: string;
  taken: (slug: string) => Promise<boolean>;
}) {
  if (chosen) return chosen;
  const derived = slugFromName(name);
  return (await taken(derived)) ? `${derived}-${randomSuffix()}` : derived;
}

import { hash, verify } from '@node-rs/argon2';

// OWASP's minimum for argon2id. @node-rs/argon2 runs on libuv's thread pool, off the event loop.
// `algorithm: 2` is Argon2id; the package's enum is a const enum that erasable TypeScript cannot import.
const ARGON2 = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

// Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
const dummyHash = hashPassword('not-a-real-password-only-for-timing');

export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  const ok = await verify(passwordHash ?? (await dummyHash), password).catch(() => false);
  return ok && passwordHash !== undefined;
}

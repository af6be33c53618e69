import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { sha256Hex } from '../shared/hashing.ts';

/**
 * API token format: `sops_` + 32 base62 characters of randomness (190 bits) + a 6-character
 * base62 CRC32 of everything before it. The prefix lets secret scanners recognise a leaked
 * token; the checksum lets a mistyped one be refused without a database look-up.
 */
export const TOKEN_PREFIX = 'sops_';
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN_SHAPE = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

function base62(value: bigint, length: number): string {
  let out = '';
  let rest = value;
  while (rest > 0n) {
    out = ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out.padStart(length, '0').slice(-length);
}

const checksum = (body: string) => base62(BigInt(crc32(body)), CHECKSUM_LENGTH);

export function generateToken(): string {
  // 24 random bytes (192 bits) map onto 32 base62 characters (190.5 bits) with no visible bias.
  const body = TOKEN_PREFIX + base62(BigInt(`0x${randomBytes(24).toString('hex')}`), RANDOM_LENGTH);
  return body + checksum(body);
}

/** True when the text has the token's shape and its checksum matches. */
export function isWellFormedToken(text: string): boolean {
  if (!TOKEN_SHAPE.test(text)) return false;
  const body = text.slice(0, -CHECKSUM_LENGTH);
  return checksum(body) === text.slice(-CHECKSUM_LENGTH);
}

export const looksLikeApiToken = (text: string) => text.startsWith(TOKEN_PREFIX);

export const hashToken = (token: string) => sha256Hex(token);

/** What may be shown of a token after creation: enough to recognise it, nothing to use. */
export const displayParts = (token: string) => ({ prefix: token.slice(0, 12), lastFour: token.slice(-4) });

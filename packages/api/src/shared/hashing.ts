import { createHash } from 'node:crypto';

/**
 * The SHA-256 of a text, as 64 hex digits: how a secret is stored (tokens, service credentials:
 * a stolen table holds no usable secret) and how a content is fingerprinted.
 */
export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

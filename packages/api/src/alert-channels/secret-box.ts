import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Seals channel secrets (Slack URLs, PagerDuty routing keys, webhook signing secrets) before they
 * are stored: AES-256-GCM under a key the database never holds, bound to the channel it belongs to,
 * so a copy of the database, or a sealed value moved to another channel's row, opens nothing.
 */
export type SecretBox = {
  seal(plain: string, channelId: string): string;
  open(stored: string, channelId: string): string;
};

const FORMAT = 'sealed1';

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('The secrets key must be 32 bytes');
  // Names the key in every sealed value: a server given another key says so rather than failing blind.
  const keyId = createHash('sha256').update(key).digest('base64url').slice(0, 8);
  const aad = (channelId: string) => Buffer.from(`${keyId}:${channelId}`);
  return {
    seal(plain, channelId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 }).setAAD(aad(channelId));
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [FORMAT, keyId, iv, cipher.getAuthTag(), sealed]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(stored, channelId) {
      const [format, id, iv = '', tag = '', sealed = ''] = stored.split('.');
      // Secrets were sealed from the first release that stored any: anything else is not ours.
      if (format !== FORMAT) throw new Error('This secret is not sealed');
      if (id !== keyId) throw new Error('This secret was sealed with another STRICTOPS_SECRETS_KEY');
      const nonce = Buffer.from(iv, 'base64url');
      const authTag = Buffer.from(tag, 'base64url');
      if (nonce.length !== 12 || authTag.length !== 16) throw new Error('This sealed secret is malformed');
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 })
        .setAAD(aad(channelId))
        .setAuthTag(authTag);
      return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/** A fresh random key, base64: what `STRICTOPS_SECRETS_KEY` holds. */
export const newSecretsKey = () => randomBytes(32).toString('base64');

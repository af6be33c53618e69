import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.ts';

const box = createSecretBox(randomBytes(32));
const channel = '0190a5a0-0000-7000-8000-000000000001';
const SLACK = 'https://hooks.slack.com/services/T0001/B0001/slacksecretpart0001';

describe('the secret box', () => {
  it('seals so that the stored form reveals nothing, and opens it again', () => {
    const sealed = box.seal(SLACK, channel);
    expect(sealed).not.toContain('slacksecret');
    expect(sealed).toMatch(/^sealed1\./);
    expect(box.seal(SLACK, channel)).not.toBe(sealed); // a fresh IV every time
    expect(box.open(sealed, channel)).toBe(SLACK);
  });

  it('refuses a changed value, another channel’s value and another key’s', () => {
    const sealed = box.seal(SLACK, channel);
    const [format, id, iv, tag, data = ''] = sealed.split('.');
    const flipped = `${data.slice(0, -2)}${data.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(() => box.open([format, id, iv, tag, flipped].join('.'), channel)).toThrow();
    // Moved to another channel's row, it does not open.
    expect(() => box.open(sealed, '0190a5a0-0000-7000-8000-000000000002')).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed, channel)).toThrow(/another STRICTOPS_SECRETS_KEY/);
  });

  it('opens nothing but what it sealed: no plain text, no shortened tag', () => {
    expect(() => box.open(SLACK, channel)).toThrow(/not sealed/);
    const [format, id, iv, tag = '', data] = box.seal(SLACK, channel).split('.');
    const short = Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => box.open([format, id, iv, short, data].join('.'), channel)).toThrow(/malformed/);
  });

  it('wants a 32-byte key', () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});

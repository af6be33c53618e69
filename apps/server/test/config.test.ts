import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('defaults to port 3000 on loopback with the embedded database', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      publicUrl: 'http://localhost:3000',
    });
    expect(config.secureCookies).toBe(false);
  });

  it('names every bad variable in one message', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', REDIS_URL: 'nope' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', REDIS_URL: 'nope' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/DATABASE_URL/);
      expect((error as Error).message).toMatch(/REDIS_URL/);
    }
  });

  it('uses secure cookies in production', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).secureCookies).toBe(true);
  });
});

describe('RATE_LIMITS', () => {
  it('is on unless turned off', () => {
    expect(loadConfig({}).rateLimits).toBe(true);
    expect(loadConfig({ RATE_LIMITS: 'off' }).rateLimits).toBe(false);
  });

  it('cannot be turned off in production, where it guards every tenant', () => {
    expect(() => loadConfig({ RATE_LIMITS: 'off', NODE_ENV: 'production' })).toThrow(/RATE_LIMITS/);
  });
});

describe('service credentials', () => {
  // The monitoring service raises alerts with a credential of its own, beside the deploy workers and billing.
  it('accept the monitoring service beside deploy workers and billing', () => {
    const secret = (c: string) => c.repeat(32);
    const config = loadConfig({
      STRICTOPS_SERVICE_TOKENS: `deploy-worker:${secret('d')},billing:${secret('b')},monitoring:${secret('m')}`,
    });
    expect(config.serviceCredentials.map((c) => c.name)).toEqual(['deploy-worker', 'billing', 'monitoring']);
  });
});

describe('empty variables', () => {
  it('are treated as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' })).toMatchObject({ databaseUrl: undefined, port: 3000 });
  });
});

describe('GitHub App settings', () => {
  const key = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  const all = {
    GITHUB_APP_ID: '1234',
    GITHUB_APP_SLUG: 'strictops',
    GITHUB_APP_PRIVATE_KEY: key.replaceAll('\n', '\\n'),
    GITHUB_WEBHOOK_SECRET: 'a-webhook-secret-of-some-length',
    GITHUB_CLIENT_ID: 'Iv23liExample0000000',
    GITHUB_CLIENT_SECRET: '0123456789abcdef0123456789abcdef01234567',
  };

  it('reads all six, with a one-line PEM', () => {
    expect(loadConfig(all).github).toMatchObject({
      appId: '1234',
      slug: 'strictops',
      privateKey: key,
      clientId: 'Iv23liExample0000000',
    });
    expect(loadConfig({}).github).toBeUndefined();
  });

  it('refuses some without the others, and a key that is no key', () => {
    expect(() => loadConfig({ GITHUB_APP_ID: '1234' })).toThrow(/go together/);
    // The OAuth client is what proves an installation is the installer's: no App without it.
    const { GITHUB_CLIENT_SECRET: _, ...withoutSecret } = all;
    expect(() => loadConfig(withoutSecret)).toThrow(/missing: GITHUB_CLIENT_SECRET/);
    expect(() => loadConfig({ ...all, GITHUB_APP_PRIVATE_KEY: 'not a key' })).toThrow(/GITHUB_APP_PRIVATE_KEY/);
  });
});

// Guards scoped service credentials: each names a service the policy knows, with a long secret;
// two may overlap per service while one replaces the other.
describe('service credentials', () => {
  const secret = (c: string) => c.repeat(32);

  it('reads each service with up to two secrets, keeping only their SHA-256', () => {
    const config = loadConfig({
      STRICTOPS_SERVICE_TOKENS: `deploy-worker:${secret('a')},billing:${secret('b')},deploy-worker:${secret('c')},monitoring:${secret('d')}`,
    });
    expect(config.serviceCredentials.map((c) => c.name)).toEqual([
      'deploy-worker',
      'billing',
      'deploy-worker',
      'monitoring',
    ]);
    expect(JSON.stringify(config.serviceCredentials)).not.toContain(secret('a'));
    expect(config.serviceCredentials[0]?.secretSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(loadConfig({}).serviceCredentials).toEqual([]);
  });

  it.each([
    [`test-worker:${secret('a')}`, /unknown service "test-worker" \(known: deploy-worker, billing, monitoring\)/],
    [`toString:${secret('a')}`, /unknown service "toString"/],
    [`deploy-worker:${'a'.repeat(31)}`, /at least 32 characters/],
    [`deploy-worker:${secret('a')},billing:`, /pair 2 \(billing\).*at least 32 characters/],
    [`deploy-worker`, /pair 1 .*not name:secret/],
    [`deploy-worker:${secret('a')},billing:${secret('a')}`, /given twice/],
    [`billing:${secret('a')},billing:${secret('b')},billing:${secret('c')}`, /billing has 3 secrets: at most 2/],
  ])('refuses %s', (tokens, reason) => {
    expect(() => loadConfig({ STRICTOPS_SERVICE_TOKENS: tokens })).toThrow(ConfigError);
    expect(() => loadConfig({ STRICTOPS_SERVICE_TOKENS: tokens })).toThrow(reason);
    try {
      loadConfig({ STRICTOPS_SERVICE_TOKENS: tokens });
    } catch (error) {
      // A refused secret is never printed.
      expect((error as Error).message).not.toContain('a'.repeat(31));
    }
  });
});

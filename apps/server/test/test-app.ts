import { createMemoryMailer, createSecretBox, type RateLimits } from '@strictops/api';
import { openDatabase } from '@strictops/db';
import type {} from '@strictops/db/testing';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

let counter = 0;
export const uniqueEmail = (label: string) =>
  `${label}-${process.pid}-${Date.now().toString(36)}-${counter++}@example.com`;

export const ORIGIN = 'http://localhost:3000';

/** The real app on the real test database, driven through Fastify's inject(). */
export async function createTestApp(env: Record<string, string> = {}, extra: { rateLimits?: RateLimits } = {}) {
  const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: ORIGIN, ...env });
  const orm = await openDatabase({ url: inject('databaseUrl') });
  const mailer = createMemoryMailer({ publicUrl: config.publicUrl });
  const secrets = createSecretBox(Buffer.alloc(32, 7));
  const app = await buildApp({ config, dependencies: { orm, mailer, secrets, github: config.github, ...extra } });
  return {
    app,
    orm,
    mailer,
    async close() {
      await app.close();
      await orm.close();
    },
  };
}

export async function signUp(app: FastifyInstance, label = 'user') {
  const email = uniqueEmail(label);
  const response = await app.inject({
    method: 'POST',
    url: '/auth/sign-up',
    payload: { email, password: 'correct horse battery', name: label },
  });
  if (response.statusCode !== 200) throw new Error(`sign-up failed: ${response.body}`);
  const body = response.json() as { user: { id: string }; session: { token: string } };
  const cookie = response.cookies.find((c) => c.name === 'strictops_session');
  return { email, token: body.session.token, userId: body.user.id, cookie, response };
}

import { createMemoryMailer, createSecretBox, type RateLimits } from '@strictops/api';
import { openDatabase } from '@strictops/db';
import type {} from '@strictops/db/testing';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { recordErrorBodies } from './error-contract.ts';

let counter = 0;
export const uniqueEmail = (label: string) =>
  `${label}-${process.pid}-${Date.now().toString(36)}-${counter++}@example.com`;

export const ORIGIN = 'http://localhost:3000';

/**
 * The real app on the real test database, driven through Fastify's inject(). Every error it answers
 * is held to the OpenAPI document when the test file closes it: an undocumented status or a body
 * that does not match the documented one fails the file.
 */
export async function createTestApp(env: Record<string, string> = {}, extra: { rateLimits?: RateLimits } = {}) {
  const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: ORIGIN, ...env });
  const orm = await openDatabase({ url: inject('databaseUrl') });
  const mailer = createMemoryMailer({ publicUrl: config.publicUrl });
  const secrets = createSecretBox(Buffer.alloc(32, 7));
  const app = await buildApp({ config, dependencies: { orm, mailer, secrets, github: config.github, ...extra } });
  const errors = recordErrorBodies(app);
  return {
    app,
    orm,
    mailer,
    errors,
    async close() {
      const problems = await errors.check();
      await app.close();
      await orm.close();
      if (problems.length > 0) {
        throw new Error(`Error bodies that /openapi.json does not describe:\n${problems.join('\n')}`);
      }
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

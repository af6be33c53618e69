import type { EntityManager } from '@mikro-orm/postgresql';
import { enterOrganization, Membership, type Orm, openDatabase, type Role, USER_SETTING } from '@strictops/db';
import type {} from '@strictops/db/testing';
import { TRPCError } from '@trpc/server';
import { expect, inject } from 'vitest';
import { createSecretBox } from '../alert-channels/secret-box.ts';
import { AppError, type ErrorCode } from '../errors.ts';
import { createMemoryMailer } from '../invitations/mailer.ts';
import { SERVICE_NAMES, type ServiceName, serviceMay } from '../policy.ts';
import { procedureErrors } from '../procedure-errors.ts';
import { appRouter } from '../root.ts';
import { sha256Hex } from '../shared/hashing.ts';
import { createContext, type RequestInfo } from '../trpc/context.ts';
import { formatError } from '../trpc/error-format.ts';
import { createCallerFactory } from '../trpc/init.ts';
import type { ProcedureMeta } from '../trpc/meta.ts';
import { TEST_AWS } from './aws-sts.ts';
import { TEST_GITHUB } from './github-api.ts';

const createCaller = createCallerFactory(appRouter);
export const TEST_PUBLIC_URL = 'https://strictops.test';
let counter = 0;

/** A unique label per call, so tests sharing one database never collide. */
export const unique = (label: string) => `${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;

/** What the API asked the HTTP host to do with the session cookie. */
export type CookieJar = { set: Map<string, { token: string; expiresAt: Date }>; cleared: number };
export const newCookieJar = (): CookieJar => ({ set: new Map(), cleared: 0 });

/**
 * The API on the real test database, called the way the HTTP host calls it: one context per
 * request, with whatever token and organization header the test chooses.
 */
const SERVICE_SECRETS = {
  'deploy-worker': 'test-deploy-worker-secret-0123456789abcdef',
  billing: 'test-billing-secret-0123456789abcdef0123',
  monitoring: 'test-monitoring-secret-0123456789abcdef',
} as const satisfies Record<ServiceName, string>;
const TEST_SERVICES = Object.entries(SERVICE_SECRETS).map(([name, secret]) => ({
  name,
  secretSha256: sha256Hex(secret),
}));
/** The secret of the service the policy lets call `path` (internal procedures). */
export const serviceTokenFor = (path: string) => {
  const service = SERVICE_NAMES.find((name) => serviceMay(name, path));
  if (!service) throw new Error(`no service may call ${path}`);
  return SERVICE_SECRETS[service];
};
/** The tests' channel-secret key: fixed, so that a failing test's rows can be read afterwards. */
export const TEST_SECRETS = createSecretBox(Buffer.alloc(32, 7));

/** The code a client sees for a failed call, as the error formatter gives it. */
function errorCodeOf(error: TRPCError): ErrorCode {
  return formatError({
    error,
    shape: { message: error.message, code: -32603, data: { code: error.code, httpStatus: 0 } },
  }).data.errorCode;
}

const procedureMeta = (path: string) =>
  (appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } }>)[path]?._def.meta;

// Long on purpose: each helper is a few lines, and all of them close over the one database, mailer
// and record of undeclared error codes that this function opens.
export async function createTestApi() {
  // Codes procedures answered that neither their builder nor their meta's `errors` declares: the
  // OpenAPI document would not list their status. Checked when the test file closes the API.
  const undeclared = new Set<string>();

  const orm = await openDatabase({ url: inject('databaseUrl'), poolSize: 20 });
  // Invitations land here instead of an inbox; `tokenSentTo` reads the link back.
  const mailer = createMemoryMailer({ publicUrl: TEST_PUBLIC_URL });
  // Internal procedures answer to these secrets, one per service, as the server would be configured.
  const serviceToken = SERVICE_SECRETS['deploy-worker'];
  const serviceTokens = SERVICE_SECRETS;

  function call(
    auth: {
      token?: string | null;
      organization?: string | null;
      viaCookie?: boolean;
      cookies?: CookieJar;
      /** Collects the response headers the API sets (rate limits, Retry-After). */
      headers?: Map<string, string>;
    } = {},
  ) {
    const cookies = auth.cookies ?? newCookieJar();
    const request: RequestInfo = {
      requestId: unique('req'),
      ip: '127.0.0.1',
      userAgent: 'vitest',
      bearerToken: auth.viaCookie ? null : (auth.token ?? null),
      cookieToken: auth.viaCookie ? (auth.token ?? null) : null,
      organization: auth.organization ?? null,
    };
    return createCaller(
      createContext(
        { orm, mailer, secrets: TEST_SECRETS, serviceCredentials: TEST_SERVICES, aws: TEST_AWS, github: TEST_GITHUB },
        request,
        {
          setSessionCookie: (token, expiresAt) => cookies.set.set('session', { token, expiresAt }),
          clearSessionCookie: () => {
            cookies.cleared++;
          },
          setHeader: (name, value) => auth.headers?.set(name, value),
        },
      ),
      {
        onError: ({ error, path }) => {
          const code = errorCodeOf(error);
          if (path && !procedureErrors(path, procedureMeta(path)).includes(code)) undeclared.add(`${path}: ${code}`);
        },
      },
    );
  }

  /** Signs a new user up; they own a new organization as its strictops_admin. */
  async function signUp(label = 'user') {
    const email = `${unique(label)}@example.com`;
    const password = 'correct horse battery';
    const { user, session } = await call().auth.signUp({ email, password, name: label });
    const me = await call({ token: session.token }).auth.me({});
    const organization = me.activeOrganization;
    if (!organization) throw new Error('sign-up created no organization');
    return { user, email, password, token: session.token, organization };
  }

  /** Runs `work` in a transaction scoped to one organization, as a request would be. */
  function inOrganization<T>(organizationId: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    return orm.em.fork().transactional(async (em) => {
      await enterOrganization(em, organizationId);
      return work(em);
    });
  }

  /** Runs `work` in a transaction that sees what a signed-in user sees of their own memberships. */
  function asUser<T>(userId: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    const em = orm.em.fork();
    em.setSessionContext({ variables: { [USER_SETTING]: userId } });
    return em.transactional(work);
  }

  /** Adds an existing user to an organization with a role, as an accepted invitation would. */
  async function addMember(organizationId: string, userId: string, role: Role) {
    await inOrganization(organizationId, async (em) => {
      em.create(Membership, { organization: organizationId, user: userId, role });
      await em.flush();
    });
  }

  /** Signs up a user and makes them a member of `organizationId` with `role`. */
  async function memberOf(organizationId: string, role: Role, label: string = role) {
    const member = await signUp(label);
    await addMember(organizationId, member.user.id, role);
    return member;
  }

  /** The token of the latest invitation emailed to `email`. */
  function tokenSentTo(email: string): string {
    const mail = mailer.outbox.findLast((m) => m.to === email.toLowerCase() && m.acceptUrl);
    if (!mail?.acceptUrl) throw new Error(`no invitation was sent to ${email}`);
    return new URL(mail.acceptUrl).searchParams.get('token') as string;
  }

  return {
    orm,
    mailer,
    secrets: TEST_SECRETS,
    serviceToken,
    serviceTokens,
    call,
    signUp,
    addMember,
    memberOf,
    inOrganization,
    asUser,
    tokenSentTo,
    async close() {
      await orm.close();
      if (undeclared.size > 0) {
        throw new Error(
          `Procedures answered codes their meta does not declare (add them to meta.errors):\n${[...undeclared].join('\n')}`,
        );
      }
    },
  };
}

export type TestApi = Awaited<ReturnType<typeof createTestApi>>;

/** Asserts that a call failed with this StrictOps error code (and so with its mapped tRPC code). */
export async function expectError(promise: Promise<unknown>, code: ErrorCode | 'VALIDATION_FAILED') {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  const cause = (error as TRPCError).cause;
  if (code === 'VALIDATION_FAILED' && !(cause instanceof AppError)) {
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    return error as TRPCError;
  }
  expect(cause, `expected ${code}, got ${(error as Error).message}`).toBeInstanceOf(AppError);
  expect((cause as AppError).code).toBe(code);
  expect((error as TRPCError).code).toBe((cause as AppError).trpcCode);
  return error as TRPCError;
}

/**
 * Everything stored for one organization: its row and every row of every table that carries
 * organization_id. Read with raw SQL on purpose, so the snapshot does not depend on the ORM filter
 * it is used to check (row-level security still applies: the snapshot is scoped to the organization).
 */
export async function snapshotOrganization(orm: Orm, organizationId: string) {
  return orm.em.fork().transactional(async (em) => {
    await enterOrganization(em, organizationId);
    return snapshotRows(em, organizationId);
  });
}

async function snapshotRows(em: EntityManager, organizationId: string) {
  const connection = { execute: <T>(sql: string, params: unknown[] = []) => em.execute(sql, params) as Promise<T> };
  const tables = await connection.execute<{ table_name: string }[]>(
    `select table_name from information_schema.columns
      where table_schema = current_schema() and column_name = 'organization_id' order by table_name`,
  );
  const snapshot: Record<string, unknown[]> = {
    organization: await connection.execute('select * from "organization" where id = ?', [organizationId]),
  };
  for (const { table_name } of tables) {
    // A refused attempt is recorded on purpose (outcome 'denied'); it is not a change to the data.
    const exceptDenials = table_name === 'audit_event' ? ` and outcome <> 'denied'` : '';
    const rows = await connection.execute<unknown[]>(
      `select * from "${table_name}" where organization_id = ?${exceptDenials}`,
      [organizationId],
    );
    snapshot[table_name] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return snapshot;
}

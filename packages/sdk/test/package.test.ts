// The published package as a customer gets it: what the built files import; the tarball `pnpm pack`
// makes (its manifest, publint, Are the Types Wrong); that tarball installed with plain npm into an
// empty folder, type-checked by consumers under `bundler` and `nodenext`, ESM and CommonJS, and run
// from ESM and from CommonJS against the real server.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { appRouter, createMemoryMailer, createSecretBox, newSecretsKey } from '@strictops/api';
import { type Orm, openDatabase } from '@strictops/db';
import type {} from '@strictops/db/testing';
import { buildApp } from '@strictops/server';
import { loadConfig } from '@strictops/server/config';
import { publint } from 'publint';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const SDK = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(SDK, 'dist');
const ENTRIES = ['index.mjs', 'index.cjs', 'index.d.mts', 'index.d.cts'].flatMap((file) => [
  file,
  file.replace('index', 'internal'),
]);

/** What the built files may import: the SDK's runtime dependencies and the tRPC server's types. */
const ALLOWED = /^(?:@trpc\/client|@trpc\/server|superjson)(?:\/.*)?$/;
const SERVER_SIDE = /^(?:@mikro-orm\/|@strictops\/(?!sdk\/)|fastify|zod|trpc-to-openapi|pg$|lucia)/;
const packageName = (specifier: string) => specifier.split('/', specifier.startsWith('@') ? 2 : 1).join('/');
const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');

beforeAll(async () => {
  const missing = ENTRIES.filter((file) => !existsSync(join(DIST, file)));
  if (missing.length > 0) {
    throw new Error(
      `packages/sdk/dist is not built (missing ${missing.join(', ')}). Run \`pnpm build\` in packages/sdk ` +
        '(after `pnpm build` in packages/api), or run the tests through turbo, whose test task builds first.',
    );
  }
  // A dist older than its source would test yesterday's SDK.
  const built = Math.min(...ENTRIES.map((file) => statSync(join(DIST, file)).mtimeMs));
  const sources = (await readdir(join(SDK, 'src'), { recursive: true })).filter((file) => file.endsWith('.ts'));
  const newer = sources.filter((file) => statSync(join(SDK, 'src', file)).mtimeMs > built);
  if (newer.length > 0) {
    throw new Error(`packages/sdk/dist is older than src/${newer.join(', src/')}: run \`pnpm build\` in packages/sdk`);
  }
});

/** Every module specifier a JS or declaration file names: imports, re-exports, import types, require. */
function specifiersOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = [
    ...source.typeReferenceDirectives.map((ref) => ref.fileName),
    ...source.referencedFiles.map((ref) => ref.fileName),
  ];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      if (ts.isStringLiteral(expression)) found.push(expression.text);
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal)) found.push(argument.literal.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      const [argument] = node.arguments;
      found.push(argument && ts.isStringLiteralLike(argument) ? argument.text : `<computed: ${argument?.getText()}>`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The bare specifiers a built entry imports, following relative imports (chunks) inside its folder. */
function externalImportsOf(entry: string, root = DIST): Set<string> {
  const external = new Set<string>();
  const seen = new Set<string>();
  const pending = [join(root, entry)];
  for (let file = pending.pop(); file; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of specifiersOf(file)) {
      if (!specifier.startsWith('.') && !specifier.startsWith('/')) {
        external.add(specifier);
        continue;
      }
      let target = resolve(dirname(file), specifier);
      // A declaration names its chunk by the JavaScript file's name.
      if (/\.d\.[cm]?ts$/.test(file)) target = target.replace(/\.([cm]?)js$/, '.d.$1ts');
      if (!target.startsWith(`${root}/`) || !existsSync(target)) {
        throw new Error(`${relative(SDK, file)} imports ${specifier}, which is not part of dist`);
      }
      pending.push(target);
    }
  }
  return external;
}

describe('built files', () => {
  it.each(ENTRIES)('%s imports nothing but @trpc/client, @trpc/server and superjson', (entry) => {
    const imports = [...externalImportsOf(entry)];
    expect(imports.filter((specifier) => !ALLOWED.test(specifier))).toEqual([]);
    // The scan sees the imports it must see, so an empty list above means something.
    expect(imports).toEqual(expect.arrayContaining(['@trpc/client']));
  });

  it('declares every package the built files import as a dependency', () => {
    const manifest = JSON.parse(readFileSync(join(SDK, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    const imported = new Set(ENTRIES.flatMap((entry) => [...externalImportsOf(entry)]).map(packageName));
    expect([...imported].filter((name) => !(name in (manifest.dependencies ?? {})))).toEqual([]);
  });
});

/** Runs a command; fails the test with its output when it exits non-zero. */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${output}`);
  return output;
}

let work: string;
let tarball: string;
let manifest: Record<string, unknown> & { dependencies: Record<string, string> };
let tarballFiles: string[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'strictops-sdk-package-'));
  // What `pnpm publish` uploads (its prepack build is the one checked fresh above).
  run('pnpm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: SDK });
  const [name] = (await readdir(work)).filter((file) => file.endsWith('.tgz'));
  if (!name) throw new Error('pnpm pack made no tarball');
  tarball = join(work, name);
  const unpacked = join(work, 'unpacked');
  await mkdir(unpacked);
  run('tar', ['-xzf', tarball, '-C', unpacked], { cwd: work });
  manifest = JSON.parse(await readFile(join(unpacked, 'package', 'package.json'), 'utf8'));
  tarballFiles = (await readdir(join(unpacked, 'package'), { recursive: true })).map(String).sort();
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('has a manifest that installs: real ranges, no workspace or catalog specifiers, no private packages', () => {
    const text = JSON.stringify(manifest);
    expect(text).not.toMatch(/catalog:|workspace:/);
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.scripts).toBeUndefined();
    // Ranges that keep installing as tRPC and superjson release minors; tRPC's client and server
    // move together (the client peers the server exactly), so both are ranges of one version.
    expect(manifest.dependencies).toEqual({
      '@trpc/client': expect.stringMatching(/^\^11\.\d+\.\d+$/),
      '@trpc/server': expect.stringMatching(/^\^11\.\d+\.\d+$/),
      superjson: expect.stringMatching(/^\^2\.\d+\.\d+$/),
    });
    expect(manifest.dependencies['@trpc/client']).toBe(manifest.dependencies['@trpc/server']);
    expect(manifest.peerDependencies).toBeUndefined();
  });

  it('says what it is and where it comes from, and publishes publicly with provenance', () => {
    expect(manifest).toMatchObject({
      name: '@strictops/sdk',
      license: 'Apache-2.0',
      repository: { type: 'git', url: expect.stringContaining('github.com/'), directory: 'packages/sdk' },
      homepage: expect.stringMatching(/^https:\/\//),
      bugs: { url: expect.stringMatching(/^https:\/\//) },
      engines: { node: expect.stringMatching(/^>=\d+/) },
      publishConfig: { access: 'public', provenance: true },
    });
    expect(tarballFiles).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']));
    expect(readFileSync(join(SDK, 'LICENSE'), 'utf8')).toContain('Apache License');
    // Nothing of the repository but the build and those.
    expect(
      tarballFiles.filter(
        (file) =>
          !/^(?:dist(?:\/.*)?|internal(?:\/package\.json)?|README\.md|LICENSE|CHANGELOG\.md|package\.json)$/.test(file),
      ),
    ).toEqual([]);
  });

  it('cannot be packed by npm, which would ship the catalog: specifiers', () => {
    const result = spawnSync('npm', ['pack', '--dry-run'], { cwd: SDK, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain('packed and published with pnpm');
  });

  it('passes publint with nothing to report', async () => {
    const { messages } = await publint({
      pack: { tarball: new Uint8Array(readFileSync(tarball)).buffer },
      strict: true,
    });
    expect(messages).toEqual([]);
  });

  it('passes Are the Types Wrong for every entry point and resolution mode', { timeout: 120_000 }, () => {
    const attw = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist', 'index.js');
    const result = spawnSync(process.execPath, [attw, tarball, '--format', 'json'], { encoding: 'utf8' });
    const report = JSON.parse(result.stdout) as {
      problems?: unknown[] | Record<string, unknown[]>;
      analysis?: unknown;
    };
    const problems = Array.isArray(report.problems) ? report.problems : Object.values(report.problems ?? {}).flat();
    expect(problems).toEqual([]);
    expect(result.status).toBe(0);
  });
});

describe('installed with npm into an empty folder', () => {
  let project: string;
  let orm: Orm;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let baseUrl: string;
  const WORKER_SECRET = 'sdk-package-test-worker-secret-0123456789';
  const BILLING_SECRET = 'sdk-package-test-billing-secret-012345678';

  beforeAll(async () => {
    project = join(work, 'consumer');
    await mkdir(project);
    // As a user starts: `npm init -y` (a CommonJS project), then installs the SDK, by plain npm.
    run('npm', ['init', '-y'], { cwd: project });
    run(
      'npm',
      ['install', tarball, '@types/node@24', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      { cwd: project },
    );
    for (const [name, config] of Object.entries(CONSUMERS)) {
      const folder = join(project, name);
      await mkdir(folder);
      if (config.type) await writeFile(join(folder, 'package.json'), JSON.stringify({ type: config.type }));
      await writeFile(
        join(folder, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: config.compilerOptions, files: ['consumer.ts'] }),
      );
      await writeFile(join(folder, 'consumer.ts'), CONSUMER);
    }

    orm = await openDatabase({ url: inject('databaseUrl') });
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      STRICTOPS_SERVICE_TOKENS: `deploy-worker:${WORKER_SECRET},billing:${BILLING_SECRET}`,
    });
    app = await buildApp({
      config,
      dependencies: {
        orm,
        mailer: createMemoryMailer({ publicUrl: config.publicUrl }),
        secrets: createSecretBox(Buffer.from(newSecretsKey(), 'base64')),
        serviceCredentials: config.serviceCredentials,
      },
    });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    await orm?.close();
  });

  it('installs the tarball and its dependencies from the registry, and nothing of the server', async () => {
    const installed = JSON.parse(
      await readFile(join(project, 'node_modules', '@strictops', 'sdk', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(installed.version).toBe(manifest.version);
    const modules = await readdir(join(project, 'node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['@trpc', 'superjson', '@strictops']));
    expect(await readdir(join(project, 'node_modules', '@strictops'))).toEqual(['sdk']);
  });

  it.each(Object.keys(CONSUMERS))(
    'type-checks the %s consumer, loading nothing of the server',
    { timeout: 180_000 },
    (name) => {
      const output = run(process.execPath, [tsc, '-p', join(project, name), '--listFilesOnly'], { cwd: project });
      const files = output.split('\n').filter(Boolean);
      expect(files.filter((file) => SERVER_SIDE.test(relative(join(project, 'node_modules'), file)))).toEqual([]);
      expect(files).toEqual(expect.arrayContaining([expect.stringContaining('node_modules/@strictops/sdk/dist/')]));
      // The check itself: any error fails `run`.
      run(process.execPath, [tsc, '-p', join(project, name)], { cwd: project });
    },
  );

  it('has declarations with no server imports (the ORM, the database package)', () => {
    const dist = join(project, 'node_modules', '@strictops', 'sdk', 'dist');
    for (const entry of ENTRIES.filter((file) => file.includes('.d.'))) {
      const imports = [...externalImportsOf(entry, dist)];
      expect(
        imports.filter((specifier) => SERVER_SIDE.test(specifier)),
        entry,
      ).toEqual([]);
    }
  });

  it.each(['esm-nodenext', 'cjs-nodenext'])(
    'runs the %s consumer against the real server',
    { timeout: 180_000 },
    async (name) => {
      run(process.execPath, [tsc, '-p', join(project, name)], { cwd: project });
      // Asynchronously: the server answering it runs in this process.
      const { stdout: output } = await promisify(execFile)(
        process.execPath,
        [join(project, name, 'out', 'consumer.js')],
        {
          cwd: project,
          env: {
            ...process.env,
            STRICTOPS_URL: baseUrl,
            STRICTOPS_WORKER_SECRET: WORKER_SECRET,
            STRICTOPS_BILLING_SECRET: BILLING_SECRET,
            CONSUMER: name,
          },
        },
      );
      const result = JSON.parse(output.trim().split('\n').at(-1) ?? '{}');
      // It ran the SDK's CommonJS build through require(), or its ESM build through import.
      const built = readFileSync(join(project, name, 'out', 'consumer.js'), 'utf8');
      expect(built).toContain(name.startsWith('cjs') ? 'require("@strictops/sdk")' : "from '@strictops/sdk'");
      expect(result).toMatchObject({
        consumer: name,
        me: expect.stringMatching(/@example\.com$/),
        projects: 3,
        paginated: 3,
        emailTaken: { code: 'EMAIL_TAKEN', httpStatus: 409, field: 'email', requestId: expect.any(String) },
        claimed: true,
        reported: 'succeeded',
      });
    },
  );

  it('shows every procedure’s TSDoc on hover, on the customer client and the internal one', {
    timeout: 180_000,
  }, () => {
    const folder = join(project, 'esm-nodenext');
    const procedures = Object.keys(appRouter._def.procedures);
    const publicOnes = procedures.filter((path) => !path.startsWith('internal.'));
    const internalOnes = procedures.filter((path) => path.startsWith('internal.'));
    const source = [
      "import { createStrictOpsClient } from '@strictops/sdk';",
      "import { createStrictOpsInternalClient } from '@strictops/sdk/internal';",
      "const client = createStrictOpsClient({ baseUrl: 'http://x' });",
      "const worker = createStrictOpsInternalClient({ baseUrl: 'http://x', serviceCredential: 's' });",
      ...publicOnes.map((path) => `client.${path};`),
      ...internalOnes.map((path) => `worker.${path};`),
      '',
    ].join('\n');
    const hover = join(folder, 'hover.ts');
    const options = CONSUMERS['esm-nodenext']?.compilerOptions ?? {};
    const parsed = ts.convertCompilerOptionsFromJson(options, folder).options;
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => parsed,
      getScriptFileNames: () => [hover],
      getScriptVersion: () => '1',
      getScriptSnapshot: (file) =>
        file === hover
          ? ts.ScriptSnapshot.fromString(source)
          : existsSync(file)
            ? ts.ScriptSnapshot.fromString(readFileSync(file, 'utf8'))
            : undefined,
      getCurrentDirectory: () => folder,
      getDefaultLibFileName: ts.getDefaultLibFilePath,
      fileExists: (file) => file === hover || ts.sys.fileExists(file),
      readFile: (file) => (file === hover ? source : ts.sys.readFile(file)),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    };
    const service = ts.createLanguageService(host);
    const undocumented = [
      ...publicOnes.map((path) => `client.${path}`),
      ...internalOnes.map((path) => `worker.${path}`),
    ].filter((expression) => {
      const at = source.indexOf(`${expression};`) + expression.length - 1;
      const info = service.getQuickInfoAtPosition(hover, at);
      return !ts.displayPartsToString(info?.documentation ?? []).trim();
    });
    expect(undocumented).toEqual([]);

    // The file type-checks: every procedure above exists where it was named.
    const errors = service
      .getSemanticDiagnostics(hover)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(errors).toEqual([]);
  });
});

/** What @tsconfig/node22 says, the usual Node project's settings: no DOM, Node's own types. */
const node = { strict: true, target: 'es2022', lib: ['es2023'], types: ['node'], skipLibCheck: true };

/**
 * The consumer projects, each a folder of the installed project: a usual Node project in ESM and in
 * CommonJS (nodenext, no DOM lib), and an app built by a bundler, which also checks every
 * declaration (skipLibCheck off; @trpc/client's own declarations name the DOM's RequestInfo).
 */
const CONSUMERS: Record<string, { type?: 'module' | 'commonjs'; compilerOptions: Record<string, unknown> }> = {
  'esm-nodenext': {
    type: 'module',
    compilerOptions: { ...node, module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out' },
  },
  'cjs-nodenext': { compilerOptions: { ...node, module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out' } },
  'esm-bundler': {
    type: 'module',
    compilerOptions: {
      ...node,
      module: 'esnext',
      moduleResolution: 'bundler',
      lib: ['es2023', 'dom'],
      skipLibCheck: false,
      noEmit: true,
    },
  },
};

/** A customer's program: every call typed, run against the server when built for Node. */
const CONSUMER = `
import {
  createStrictOpsClient,
  isStrictOpsError,
  paginate,
  type StrictOpsClient,
  type StrictOpsErrorCode,
  type StrictOpsInputs,
  type StrictOpsOutputs,
} from '@strictops/sdk';
import { createStrictOpsInternalClient } from '@strictops/sdk/internal';

const baseUrl = process.env.STRICTOPS_URL ?? 'http://127.0.0.1:3000';
const email = \`consumer-\${Date.now()}-\${Math.random().toString(36).slice(2)}@example.com\`;

async function main() {
  const anonymous: StrictOpsClient = createStrictOpsClient({ baseUrl });
  const { session } = await anonymous.auth.signUp.mutate({ email, password: 'correct horse battery', name: 'Consumer' });
  session.expiresAt satisfies Date;
  const client = createStrictOpsClient({ baseUrl, token: async () => session.token, timeoutMs: 10_000 });
  const me = await client.auth.me.query();
  me.user.createdAt satisfies Date;
  const organizationId = (await client.organizations.get.query()).id;

  const worker = createStrictOpsInternalClient({ baseUrl, serviceCredential: process.env.STRICTOPS_WORKER_SECRET ?? '' });
  const billing = createStrictOpsInternalClient({ baseUrl, serviceCredential: process.env.STRICTOPS_BILLING_SECRET ?? '' });
  await billing.internal.organizations.setTier.mutate({ organizationId, tier: 'ENTERPRISE' });
  const created: StrictOpsOutputs['projects']['get'][] = [];
  for (const name of ['one', 'two', 'three']) {
    const input: StrictOpsInputs['projects']['create'] = { name };
    created.push(await client.projects.create.mutate(input));
  }
  const [list] = await Promise.all([client.projects.list.query({ limit: 50 }), client.organizations.usage.query()]);
  let paginated = 0;
  for await (const project of paginate(client.projects.list, { limit: 2 })) {
    project.environments.map((environment) => environment.name) satisfies string[];
    paginated++;
  }

  let emailTaken: unknown;
  try {
    await anonymous.auth.signUp.mutate({ email, password: 'correct horse battery', name: 'Again' });
  } catch (error) {
    if (isStrictOpsError(error) && error.code === 'EMAIL_TAKEN') {
      emailTaken = { code: error.code, httpStatus: error.httpStatus, field: error.field, requestId: error.requestId };
    } else if (isStrictOpsError(error) && error.code === 'LIMIT_REACHED') {
      // Narrowed by its code.
      error.details?.max satisfies number | undefined;
    } else {
      throw error;
    }
  }

  const { deployment } = await client.deployments.create.mutate({ projectId: created[0]!.id, environment: 'dev', ref: 'main' });
  let claimed = false;
  for (let i = 0; i < 1000 && !claimed; i++) {
    const claim = await worker.internal.deployments.claim.mutate({ workerId: 'consumer' });
    if (!claim.deployment) break;
    claimed = claim.deployment.id === deployment.id;
  }
  const reported = await worker.internal.deployments.report.mutate({ organizationId, deploymentId: deployment.id, status: 'succeeded' });

  console.log(
    JSON.stringify({
      consumer: process.env.CONSUMER,
      me: me.user.email,
      projects: list.items.length,
      paginated,
      emailTaken,
      claimed,
      reported: reported.status,
    }),
  );
}

if (process.env.STRICTOPS_URL) {
  main().catch((error: unknown) => {
    console.error(error);
    throw error;
  });
}

// The types are the router's, not any: each of these must be an error (never run, only checked).
export function typeErrors(client: StrictOpsClient) {
  // @ts-expect-error: internal procedures are not on the customer client
  client.internal;
  // @ts-expect-error: no such procedure
  client.auth.noSuchProcedure;
  // @ts-expect-error: organizations.create takes a name
  client.organizations.create.mutate({ nme: 'Typo' });
  // @ts-expect-error: auth.me is a query
  client.auth.me.mutate();
  // @ts-expect-error: a limit is a number, not text
  client.projects.list.query({ limit: 'fifty' });
  // @ts-expect-error: a date is a Date
  client.auditEvents.list.query({ from: 12 });
}
// @ts-expect-error: not an error code
export const notACode: StrictOpsErrorCode = 'NO_SUCH_CODE';
export const codes: StrictOpsErrorCode[] = ['CROSS_SITE_REQUEST', 'TIMEOUT', 'ABORTED', 'NETWORK_ERROR', 'RATE_LIMITED'];

/** No procedure's input has a field typed unknown: each names what it accepts. */
type UnknownFields<T> = T extends object ? { [K in keyof T]-?: unknown extends T[K] ? K : never }[keyof T] : never;
type UnknownInputs = {
  [A in keyof StrictOpsInputs]: { [P in keyof StrictOpsInputs[A]]: UnknownFields<Exclude<StrictOpsInputs[A][P], void | undefined>> }[keyof StrictOpsInputs[A]];
}[keyof StrictOpsInputs];
export const noUnknownInputs: [UnknownInputs] extends [never] ? true : UnknownInputs = true;
`;

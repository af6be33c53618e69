// The published package as a customer gets it: what the built files import, and whether a project
// with only the SDK and its declared dependencies installed type-checks against it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SDK = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(SDK, 'dist');
const ENTRIES = ['index.js', 'index.d.ts'];

/** What the built files may import: the SDK's runtime dependencies and the tRPC server's types. */
const ALLOWED = /^(?:@trpc\/client|@trpc\/server|superjson)(?:\/.*)?$/;
const packageName = (specifier: string) => specifier.split('/', specifier.startsWith('@') ? 2 : 1).join('/');

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

/** The bare specifiers a built entry imports, following relative imports (chunks) inside dist. */
function externalImportsOf(entry: string): Set<string> {
  const external = new Set<string>();
  const seen = new Set<string>();
  const pending = [join(DIST, entry)];
  for (let file = pending.pop(); file; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of specifiersOf(file)) {
      if (!specifier.startsWith('.') && !specifier.startsWith('/')) {
        external.add(specifier);
        continue;
      }
      let target = resolve(dirname(file), specifier);
      if (file.endsWith('.d.ts')) target = target.replace(/\.js$/, '.d.ts');
      if (!target.startsWith(`${DIST}/`) || !existsSync(target)) {
        throw new Error(`${relative(SDK, file)} imports ${specifier}, which is not part of dist`);
      }
      pending.push(target);
    }
  }
  return external;
}

describe('built files', () => {
  it('index.js imports nothing but @trpc/client, @trpc/server and superjson', () => {
    const imports = [...externalImportsOf('index.js')];
    expect(imports.filter((specifier) => !ALLOWED.test(specifier))).toEqual([]);
    // The scan sees the imports it must see, so an empty list above means something.
    expect(imports).toEqual(expect.arrayContaining(['@trpc/client', 'superjson']));
  });

  it('index.d.ts imports nothing but @trpc/client, @trpc/server and superjson', () => {
    const imports = [...externalImportsOf('index.d.ts')];
    expect(imports.filter((specifier) => !ALLOWED.test(specifier))).toEqual([]);
    expect(imports).toEqual(expect.arrayContaining(['@trpc/client', '@trpc/server']));
  });

  it('declares every package the built files import as a dependency or peer dependency', () => {
    const manifest = JSON.parse(readFileSync(join(SDK, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    const imported = new Set([...ENTRIES.flatMap((entry) => [...externalImportsOf(entry)])].map(packageName));
    expect([...imported].filter((name) => !declared.has(name))).toEqual([]);
  });
});

describe('a consumer project', () => {
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'strictops-sdk-consumer-'));
    const modules = join(project, 'node_modules');
    const installed = join(modules, '@strictops', 'sdk');
    await mkdir(installed, { recursive: true });
    await cp(DIST, join(installed, 'dist'), { recursive: true });
    await cp(join(SDK, 'package.json'), join(installed, 'package.json'));
    // Only the SDK's own dependencies are installed; nothing of the server (@mikro-orm, fastify, zod).
    for (const name of ['@trpc/client', '@trpc/server', 'superjson']) {
      const target = await realpath(join(SDK, 'node_modules', name));
      await mkdir(dirname(join(modules, name)), { recursive: true });
      await symlink(target, join(modules, name), 'dir');
    }
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          // @trpc/server's own declarations need the Disposable types (esnext.disposable or @types/node).
          lib: ['es2022', 'esnext.disposable', 'dom'],
          types: [],
          skipLibCheck: false,
          noEmit: true,
        },
        files: ['index.ts'],
      }),
    );
    await writeFile(join(project, 'index.ts'), CONSUMER);
  });

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('type-checks against the published declarations with skipLibCheck off', () => {
    const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', project, '--listFiles'], { encoding: 'utf8' });
    const output = `${result.stdout}${result.stderr}`;
    const diagnostics = output
      .split('\n')
      .filter((line) => !line.startsWith('/'))
      .join('\n');
    expect(diagnostics.trim(), `tsc failed:\n${output}`).toBe('');
    expect(result.status).toBe(0);

    const files = output.split('\n').filter((line) => line.startsWith('/'));
    // It checked our declarations as installed, and pulled in nothing of the server.
    expect(files).toContain(join(project, 'node_modules/@strictops/sdk/dist/index.d.ts'));
    const serverSide =
      /\/node_modules\/(?:@mikro-orm\/|@strictops\/(?:api|db|server)\/|fastify\/|zod\/|trpc-to-openapi\/)/;
    const workspace = resolve(SDK, '..', '..');
    const fromWorkspace = (file: string) =>
      file.startsWith(`${workspace}/`) && !file.startsWith(`${workspace}/node_modules/`);
    expect(files.filter((file) => serverSide.test(file) || fromWorkspace(file))).toEqual([]);
  });
});

const CONSUMER = `
import {
  type AppRouter,
  createStrictOpsClient,
  isStrictOpsError,
  type StrictOpsClient,
  StrictOpsError,
  type StrictOpsErrorCode,
} from '@strictops/sdk';

const client: StrictOpsClient = createStrictOpsClient({
  baseUrl: 'https://api.strictops.dev',
  token: async () => 'session-token',
  organization: 'acme',
  headers: { 'x-request-id': 'consumer' },
});

export async function main(): Promise<string> {
  const signedUp = await client.auth.signUp.mutate({ email: 'a@example.com', password: 'long enough', name: 'A' });
  signedUp.session.token satisfies string;
  signedUp.session.expiresAt satisfies Date;

  const me = await client.auth.me.query({});
  me.user.email satisfies string;
  me.user.createdAt satisfies Date;
  me.activeOrganization?.role satisfies 'strictops_admin' | 'customer' | undefined;

  const created = await client.organizations.create.mutate({ name: 'Second', slug: 'second' });
  const { items } = await client.organizations.list.query({});
  items.map((organization) => organization.tier) satisfies string[];
  await client.organizations.switch.mutate({ organization: created.id });
  const current = await client.organizations.get.query({});

  try {
    await client.auth.signUp.mutate({ email: 'a@example.com', password: 'long enough', name: 'A' });
  } catch (error) {
    if (isStrictOpsError(error)) {
      error satisfies StrictOpsError;
      error.code satisfies StrictOpsErrorCode;
      error.status satisfies number;
      error.field satisfies string | undefined;
      error.issues.map((issue) => issue.path) satisfies string[];
      if (error.code === 'EMAIL_TAKEN' || error.code === 'NETWORK_ERROR') return error.message;
    }
    throw error;
  }
  return current.slug;
}

// The types are the router's, not any: each of these must be an error.
// @ts-expect-error: no such procedure
client.auth.noSuchProcedure;
// @ts-expect-error: organizations.create takes a name
client.organizations.create.mutate({ nme: 'Typo' });
// @ts-expect-error: auth.me is a query
client.auth.me.mutate({});
// @ts-expect-error: not an error code
export const notACode: StrictOpsErrorCode = 'NO_SUCH_CODE';
export type Router = AppRouter;
`;

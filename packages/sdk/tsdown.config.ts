import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsdown';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  entry: { index: 'src/index.ts', internal: 'src/internal.ts' },
  // ESM for `import`, CommonJS for `require`: both load on every Node version `engines` names.
  format: ['esm', 'cjs'],
  fixedExtension: true,
  platform: 'neutral',
  target: 'es2022',
  dts: true,
  define: { __SDK_VERSION__: JSON.stringify(version) },
  // Server-side packages are external so that nothing of theirs can be bundled; test/package.test.ts
  // fails if the output still imports any of them.
  deps: {
    neverBundle: ['@trpc/client', '@trpc/server', 'superjson', '@strictops/db', /^@mikro-orm\//, 'fastify'],
    // The router's types are inlined into the declarations; no server code reaches the bundle.
    dts: { alwaysBundle: [/^@strictops\/api(?:\/|$)/] },
  },
  // Declarations of unused server modules would otherwise survive as bare imports.
  treeshake: { moduleSideEffects: false },
  clean: true,
});

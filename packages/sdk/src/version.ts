declare const __SDK_VERSION__: string;

/** This SDK's version, sent with every request (`x-strictops-sdk`) so the API's logs can tell releases apart. */
export const SDK_VERSION: string = typeof __SDK_VERSION__ === 'string' ? __SDK_VERSION__ : '0.0.0-dev';

type Runtime = { process?: { versions?: { node?: string; bun?: string; deno?: string } } };

/** The runtime, for the user agent: `node/24.1.0`, `bun/1.2.0`, or `js` where none says. */
function runtime(): string {
  const versions = (globalThis as Runtime).process?.versions;
  if (versions?.bun) return `bun/${versions.bun}`;
  if (versions?.deno) return `deno/${versions.deno}`;
  if (versions?.node) return `node/${versions.node}`;
  return 'js';
}

export const USER_AGENT = `strictops-sdk-js/${SDK_VERSION} ${runtime()}`;

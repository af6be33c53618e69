import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../errors.ts';

/**
 * Outbound HTTP to addresses a customer chose (webhooks, Slack): HTTPS only, to public addresses
 * only, checked when the connection is made (so DNS that changes after a URL was saved cannot
 * point a delivery at an internal service), with no redirects followed.
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** True when the address is one a delivery may reach: public unicast, IPv4 or IPv6. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family === 6) {
    // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96) forms reach IPv4 hosts: refused outright.
    if (/^::ffff:/i.test(address) || /^64:ff9b:/i.test(address)) return false;
    return !blocked.check(address, 'ipv6');
  }
  return false;
}

export const unsafeTarget = (reason: string) => new AppError('UNSAFE_URL', reason, { field: 'url' });

/** Checks a URL's form: HTTPS, no credentials, and a host that is not a private address literal. */
export function checkUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw unsafeTarget('Not a URL');
  }
  if (url.protocol !== 'https:') throw unsafeTarget('Only https:// URLs are allowed');
  if (url.username || url.password) throw unsafeTarget('URLs may not carry credentials');
  // The URL parser has already turned decimal, octal and hexadecimal IPv4 forms into dotted ones.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !isPublicAddress(host)) throw unsafeTarget(`${host} is not a public address`);
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local')) {
    throw unsafeTarget(`${host} is not a public host`);
  }
  return url;
}

/** A DNS lookup that refuses to hand the socket any non-public address. */
function guardedLookup(
  hostname: string,
  options: object,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => !isPublicAddress(a.address));
    if (bad || list.length === 0) {
      return callback(
        Object.assign(new Error(`${hostname} resolves to ${bad?.address ?? 'nothing'}, not a public address`), {
          code: 'EUNSAFE',
        }),
        [],
      );
    }
    if ((options as { all?: boolean }).all) return callback(null, list);
    return callback(null, list[0]?.address ?? '', list[0]?.family);
  });
}

export type DeliveryResult = { ok: boolean; status: number | null; error: string | null };

/**
 * POSTs a body to a checked URL. Redirects are not followed (a 3xx is a failure), and only the
 * status code is reported back: a remote's body never reaches our callers.
 */
export async function safePost(
  target: string,
  { body, headers, timeoutMs = 5000 }: { body: string; headers: Record<string, string>; timeoutMs?: number },
): Promise<DeliveryResult> {
  const url = checkUrl(target);
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-length': Buffer.byteLength(body).toString(), ...headers },
        lookup: guardedLookup,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 300, status, error: status >= 300 ? `HTTP ${status}` : null });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ ok: false, status: null, error: error.message }));
    req.end(body);
  });
}

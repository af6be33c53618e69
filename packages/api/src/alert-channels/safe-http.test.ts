import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkUrl, guardedLookup, isPublicAddress, safePost } from './safe-http.ts';

describe('public addresses only', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '0:0:0:0:0:ffff:127.0.0.1',
    '::127.0.0.1', // IPv4-compatible
    '::a9fe:a9fe', // IPv4-compatible 169.254.169.254
    '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
    '2002:a9fe:a9fe::1', // 6to4 of 169.254.169.254
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
    'fec0::1', // site-local
    '100::1', // discard
    '2001:db8::1', // documentation
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.215.14', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:80e::200e'])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('URL checks before any connection', () => {
  it.each([
    ['http://hooks.example.com/x', /https/],
    ['https://user:pass@hooks.example.com/', /credentials/],
    ['https://169.254.169.254/latest/meta-data/', /not a public address/],
    ['https://2852039166/', /not a public address/], // 169.254.169.254 in decimal
    ['https://0x7f000001/', /not a public address/], // 127.0.0.1 in hexadecimal
    ['https://0177.0.0.1/', /not a public address/], // 127.0.0.1 in octal
    ['https://[::ffff:127.0.0.1]/', /not a public address/],
    ['https://[::1]/', /not a public address/],
    ['https://[::a9fe:a9fe]/', /not a public address/],
    ['https://[2002:a9fe:a9fe::1]/', /not a public address/],
    ['https://localhost/', /not a public host/],
    ['https://localhost./', /ends with a dot/],
    ['https://metadata.google.internal/', /metadata/],
    ['https://printer/', /single-label/],
    ['not a url', /Not a URL/],
  ])('refuses %s', (url, reason) => {
    expect(() => checkUrl(url)).toThrow(reason);
  });
});

describe('checked again at connect time', () => {
  // The sockets of every delivery resolve names with this lookup, so a name that passed the URL
  // check and later points at an internal address (DNS rebinding) still gets no connection. Names
  // that resolve locally are refused by the URL check first, so the lookup is tried on its own.
  it.each(['localhost', hostname()])('refuses to hand a socket the address of %s', async (name) => {
    const error = await new Promise((resolve) => guardedLookup(name, {}, (failure) => resolve(failure)));
    expect(error).toMatchObject({ code: 'EUNSAFE', message: expect.stringMatching(/not a public address/) });
  });

  it('refuses such a name in a delivery before connecting, whatever its form', async () => {
    const result = await safePost(`https://${hostname()}./hook`, { body: '{}', headers: {} }).catch((e: Error) => e);
    expect(result).toMatchObject({ code: 'UNSAFE_URL' });
  });
});

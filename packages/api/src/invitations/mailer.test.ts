import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptUrl, createMailer, createMemoryMailer } from './mailer.ts';

/**
 * A minimal SMTP server on a local port: enough of RFC 5321 for one client to deliver messages,
 * which it keeps. It lets the nodemailer path run for real, with no relay on the internet.
 */
function fakeSmtpServer() {
  const received: { from: string; to: string[]; data: string }[] = [];
  const server = createServer((socket) => {
    let buffer = '';
    let inData = false;
    let current = { from: '', to: [] as string[], data: '' };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 fake.smtp.test ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received.push(current);
            current = { from: '', to: [], data: '' };
            reply('250 2.0.0 queued');
          } else current.data += `${line.replace(/^\.\./, '.')}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 fake.smtp.test');
        else if (verb === 'MAIL') {
          current.from = line;
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          current.to.push(line);
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else if (verb === 'RSET' || verb === 'NOOP') reply('250 ok');
        else reply('502 not implemented');
      }
    });
  });
  return { server, received };
}

let smtp: ReturnType<typeof fakeSmtpServer>;
let port: number;
beforeAll(async () => {
  smtp = fakeSmtpServer();
  smtp.server.listen(0, '127.0.0.1');
  await once(smtp.server, 'listening');
  port = (smtp.server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => (smtp.server as Server).close(() => resolve())));

const message = {
  to: 'invitee@example.com',
  organizationName: 'Acme',
  inviterName: 'Ada',
  role: 'customer' as const,
  token: 'T'.repeat(43),
  expiresAt: new Date('2030-01-08T00:00:00Z'),
};

describe('mailer', () => {
  it('delivers through SMTP when SMTP_URL is set, with the accept link from PUBLIC_URL', async () => {
    const mailer = await createMailer({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      publicUrl: 'https://app.example.com/',
      from: 'StrictOps <invites@example.com>',
    });
    expect(mailer.outbox).toBeUndefined();
    await mailer.sendInvitation(message);
    const mail = smtp.received.at(-1);
    expect(mail?.from).toContain('invites@example.com');
    expect(mail?.to.join()).toContain('invitee@example.com');
    expect(mail?.data).toContain('Subject: Join Acme on StrictOps');
    // The body may be quoted-printable: undo soft line breaks and the encoded '='.
    const body = mail?.data.replace(/=\n/g, '').replace(/=3D/g, '=');
    expect(body).toContain(acceptUrl('https://app.example.com', message.token));
    expect(acceptUrl('https://app.example.com/', 'abc')).toBe('https://app.example.com/invitations/accept?token=abc');
  });

  it('fails loudly when the SMTP server is unreachable', async () => {
    const mailer = await createMailer({ smtpUrl: 'smtp://127.0.0.1:1', publicUrl: 'https://app.example.com' });
    await expect(mailer.sendInvitation(message)).rejects.toThrow();
  });

  it('gives up on a relay that accepts the connection and never answers', async () => {
    const silent = createServer(() => {
      // Accepts and says nothing: no greeting ever comes.
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const { port: silentPort } = silent.address() as AddressInfo;
      const mailer = await createMailer({
        smtpUrl: `smtp://127.0.0.1:${silentPort}?greetingTimeout=300`,
        publicUrl: 'https://app.example.com',
      });
      await expect(mailer.sendInvitation(message)).rejects.toThrow(/greeting/i);
    } finally {
      silent.close();
    }
  });

  it('without SMTP_URL logs the message and keeps it in the outbox', async () => {
    const logged: unknown[] = [];
    const mailer = createMemoryMailer({
      publicUrl: 'http://localhost:3000',
      log: (text, fields) => logged.push({ text, ...fields }),
    });
    await mailer.sendInvitation(message);
    expect(mailer.outbox).toHaveLength(1);
    expect(mailer.outbox[0]?.acceptUrl).toBe(`http://localhost:3000/invitations/accept?token=${message.token}`);
    expect(mailer.outbox[0]?.text).toContain('Ada invited you to join Acme on StrictOps as customer.');
    expect(logged).toEqual([expect.objectContaining({ to: message.to, acceptUrl: mailer.outbox[0]?.acceptUrl })]);
  });
});

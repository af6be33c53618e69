import type { EntityManager } from '@mikro-orm/postgresql';
import { Session, User } from '@strictops/db';
import { type Adapter, type DatabaseSession, type DatabaseUser, Lucia, TimeSpan } from 'lucia';
import { sha256Hex } from '../shared/hashing.ts';

/**
 * The session lifecycle (lucia v3) over our own MikroORM adapter. Everything lucia-specific stays in
 * this file, so moving to another session library changes nothing else.
 *
 * Lucia hands the adapter the raw session id (the secret the client holds); the adapter stores and
 * looks up only its SHA-256, so the session table is no key to any account.
 */
export const SESSION_COOKIE = 'strictops_session';
export const SESSION_LIFETIME = new TimeSpan(30, 'd');

export const hashSessionToken = (token: string) => sha256Hex(token);

/** Sliding expiry, as lucia has it: a session used in the second half of its life is renewed. */
export const renewalDue = (expiresAt: Date, now = Date.now()) =>
  now >= expiresAt.getTime() - SESSION_LIFETIME.milliseconds() / 2;

export type SessionAttributes = { ip: string | null; userAgent: string | null; activeOrganizationId: string | null };

class MikroOrmSessionAdapter implements Adapter {
  private readonly em: EntityManager;

  constructor(em: EntityManager) {
    this.em = em;
  }

  async getSessionAndUser(token: string): Promise<[DatabaseSession | null, DatabaseUser | null]> {
    const session = await this.em.findOne(Session, { id: hashSessionToken(token) }, { populate: ['user'] });
    if (!session) return [null, null];
    return [
      { id: token, userId: session.user.id, expiresAt: session.expiresAt, attributes: {} },
      { id: session.user.id, attributes: {} },
    ];
  }

  async getUserSessions(userId: string): Promise<DatabaseSession[]> {
    const sessions = await this.em.find(Session, { user: userId });
    return sessions.map((s) => ({ id: s.id, userId, expiresAt: s.expiresAt, attributes: {} }));
  }

  async setSession(session: DatabaseSession): Promise<void> {
    const attributes = session.attributes as SessionAttributes;
    this.em.create(Session, {
      id: hashSessionToken(session.id),
      user: this.em.getReference(User, session.userId),
      expiresAt: session.expiresAt,
      ...attributes,
    });
    await this.em.flush();
  }

  async updateSessionExpiration(token: string, expiresAt: Date): Promise<void> {
    await this.em.nativeUpdate(Session, { id: hashSessionToken(token) }, { expiresAt, lastSeenAt: new Date() });
  }

  async deleteSession(token: string): Promise<void> {
    await this.em.nativeDelete(Session, { id: hashSessionToken(token) });
  }

  async deleteUserSessions(userId: string): Promise<void> {
    await this.em.nativeDelete(Session, { user: userId });
  }

  async deleteExpiredSessions(): Promise<void> {
    await this.em.nativeDelete(Session, { expiresAt: { $lte: new Date() } });
  }
}

/** A lucia instance bound to one EntityManager, so session writes join that EntityManager's transaction. */
export function sessionStore(em: EntityManager) {
  return new Lucia(new MikroOrmSessionAdapter(em), { sessionExpiresIn: SESSION_LIFETIME });
}

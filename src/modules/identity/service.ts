import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Config } from '../../config.ts';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Role } from '../../http/context.ts';
import { apiTokens, orgMembers, orgs, sessions, users } from './schema.ts';
import { burnPasswordCheck, hashPassword, verifyPassword } from './password.ts';
import { hashToken, newSecretToken } from './tokens.ts';

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  role: Role;
}

export interface OrgView {
  id: string;
  kind: 'studio' | 'shop';
  name: string;
  role: 'owner' | 'member';
}

export interface SignUpInput {
  email: string;
  password: string;
  displayName: string;
  role: Exclude<Role, 'admin'>;
  orgName?: string;
}

export interface SignedIn {
  user: UserView;
  orgs: OrgView[];
  sessionToken: string;
}

export interface AuthenticatedUser {
  user: UserView;
  via: 'session' | 'token';
}

export type IdentityService = ReturnType<typeof createIdentityService>;

function toUserView(row: typeof users.$inferSelect): UserView {
  return { id: row.id, email: row.email, displayName: row.displayName, role: row.role };
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function createIdentityService(deps: { db: Db; config: Config; clock: Clock }) {
  const { db, config, clock } = deps;

  async function orgsOf(userId: string): Promise<OrgView[]> {
    const rows = await db
      .select({ id: orgs.id, kind: orgs.kind, name: orgs.name, role: orgMembers.role })
      .from(orgMembers)
      .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
      .where(eq(orgMembers.userId, userId))
      .orderBy(orgs.createdAt);
    return rows;
  }

  async function startSession(userId: string): Promise<string> {
    const token = newSecretToken('sess');
    const expiresAt = new Date(clock.now().getTime() + config.auth.sessionTtlDays * 86_400_000);
    await db.insert(sessions).values({ id: newId('session'), tokenHash: hashToken(token), userId, expiresAt });
    return token;
  }

  async function signUp(input: SignUpInput): Promise<SignedIn> {
    const email = normaliseEmail(input.email);
    const passwordHash = await hashPassword(input.password, config.auth.scryptCost);
    const userId = newId('user');
    const orgKind = input.role === 'creator' ? 'studio' : input.role === 'merchant' ? 'shop' : null;
    await db.transaction(async (tx) => {
      const inserted = await tx
        .insert(users)
        .values({ id: userId, email, passwordHash, displayName: input.displayName.trim(), role: input.role })
        .onConflictDoNothing({ target: users.email })
        .returning({ id: users.id });
      if (inserted.length === 0) throw new AppError('EMAIL_TAKEN', 'An account with this email already exists');
      if (orgKind) {
        const orgId = newId('org');
        const suffix = orgKind === 'studio' ? 'studio' : 'shop';
        await tx.insert(orgs).values({ id: orgId, kind: orgKind, name: input.orgName?.trim() || `${input.displayName.trim()}'s ${suffix}` });
        await tx.insert(orgMembers).values({ orgId, userId, role: 'owner' });
      }
    });
    const sessionToken = await startSession(userId);
    return {
      user: { id: userId, email, displayName: input.displayName.trim(), role: input.role },
      orgs: await orgsOf(userId),
      sessionToken,
    };
  }

  async function signIn(emailInput: string, password: string): Promise<SignedIn> {
    const [row] = await db.select().from(users).where(eq(users.email, normaliseEmail(emailInput)));
    if (!row) {
      await burnPasswordCheck(password, config.auth.scryptCost);
      throw new AppError('INVALID_CREDENTIALS', 'Email or password is wrong');
    }
    if (!(await verifyPassword(password, row.passwordHash))) {
      throw new AppError('INVALID_CREDENTIALS', 'Email or password is wrong');
    }
    return { user: toUserView(row), orgs: await orgsOf(row.id), sessionToken: await startSession(row.id) };
  }

  async function signOut(sessionToken: string): Promise<void> {
    await db.delete(sessions).where(eq(sessions.tokenHash, hashToken(sessionToken)));
  }

  // Every signed-in request runs one of these two: built once and prepared (named statements on
  // PostgreSQL), not rebuilt per request.
  const callerColumns = { id: users.id, email: users.email, displayName: users.displayName, role: users.role };
  const selectBySession = db
    .select(callerColumns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, sql.placeholder('tokenHash')), gt(sessions.expiresAt, sql.placeholder('now'))))
    .prepare('identity_user_by_session');
  const selectByApiToken = db
    .select(callerColumns)
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, sql.placeholder('tokenHash')), isNull(apiTokens.revokedAt)))
    .prepare('identity_user_by_api_token');

  async function userBySession(sessionToken: string): Promise<UserView | null> {
    const [row] = await selectBySession.execute({ tokenHash: hashToken(sessionToken), now: clock.now() });
    return row ?? null;
  }

  async function userByApiToken(token: string): Promise<UserView | null> {
    const [row] = await selectByApiToken.execute({ tokenHash: hashToken(token) });
    return row ?? null;
  }

  async function createApiToken(userId: string, name: string): Promise<{ id: string; name: string; token: string }> {
    const token = newSecretToken('dst');
    const id = newId('apiToken');
    await db.insert(apiTokens).values({ id, userId, name, tokenHash: hashToken(token) });
    return { id, name, token };
  }

  async function getUser(userId: string): Promise<UserView | null> {
    const [row] = await db.select().from(users).where(eq(users.id, userId));
    return row ? toUserView(row) : null;
  }

  async function isOrgMember(userId: string, orgId: string): Promise<boolean> {
    const rows = await db
      .select({ orgId: orgMembers.orgId })
      .from(orgMembers)
      .where(and(eq(orgMembers.userId, userId), eq(orgMembers.orgId, orgId)));
    return rows.length > 0;
  }

  async function orgIdsOf(userId: string, kind: 'studio' | 'shop'): Promise<string[]> {
    return (await orgsOf(userId)).filter((o) => o.kind === kind).map((o) => o.id);
  }

  /** Display names of studios and shops, one query for the whole list; unknown ids are left out. */
  async function orgNames(orgIds: string[]): Promise<Map<string, string>> {
    const ids = [...new Set(orgIds)];
    if (ids.length === 0) return new Map();
    const rows = await db.select({ id: orgs.id, name: orgs.name }).from(orgs).where(inArray(orgs.id, ids));
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Creates the admin account if missing (operator bootstrap and the demo). */
  async function ensureUser(input: SignUpInput | (Omit<SignUpInput, 'role'> & { role: 'admin' })): Promise<UserView> {
    const email = normaliseEmail(input.email);
    const [existing] = await db.select().from(users).where(eq(users.email, email));
    if (existing) return toUserView(existing);
    if (input.role === 'admin') {
      const id = newId('user');
      const passwordHash = await hashPassword(input.password, config.auth.scryptCost);
      await db.insert(users).values({ id, email, passwordHash, displayName: input.displayName, role: 'admin' });
      return { id, email, displayName: input.displayName, role: 'admin' };
    }
    return (await signUp(input)).user;
  }

  return {
    signUp,
    signIn,
    signOut,
    userBySession,
    userByApiToken,
    createApiToken,
    getUser,
    orgsOf,
    orgIdsOf,
    orgNames,
    isOrgMember,
    ensureUser,
  };
}

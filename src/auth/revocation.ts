import type { Db, Tx } from "../db/client.ts";

type Listener = (userId: number) => void;

/**
 * Who holds cached state about users, per database client. Every AuthService registers here;
 * whatever changes a user's standing (logout, a password change or reset, disabling, a new
 * role or department: src/auth and src/org's user administration) announces it, and each
 * AuthService of this process on that database forgets the user at once. Other processes
 * re-read the user within their principal cache's lifetime (PRINCIPAL_CACHE_MS).
 */
const listeners = new WeakMap<Db, Set<Listener>>();

export function onUserChanged(db: Db, listener: Listener): void {
  const set = listeners.get(db) ?? new Set<Listener>();
  set.add(listener);
  listeners.set(db, set);
}

export function announceUserChanged(db: Db, userId: number): void {
  for (const listener of listeners.get(db) ?? []) listener(userId);
}

/**
 * Revokes every token issued to the user so far (they carry the old `token_version`). Call it
 * inside the transaction that makes the change, and announce the change after it commits.
 */
export async function revokeAllTokens(tx: Tx, userId: number): Promise<number> {
  const { tokenVersion } = await tx.user.update({
    where: { id: userId },
    data: { tokenVersion: { increment: 1 } },
    select: { tokenVersion: true },
  });
  return tokenVersion;
}

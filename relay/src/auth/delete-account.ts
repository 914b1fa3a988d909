/**
 * `deleteAccount(stores, userId, live?)`: deletes everything the relay holds about an account —
 * its sessions (refresh tokens), share links, documents (with their versions), vault and
 * devices, avatar, single-use mail and sign-in tokens, OIDC identities and finally the user
 * record, so the email can sign up again as a new account. Used by `DELETE /v1/me` and by the
 * operator's `ferry-relay users delete`.
 *
 * The steps are not one transaction (they span two stores); each is idempotent, and the user
 * record goes last, so a deletion that failed half-way is finished by running it again.
 * Sessions end first: from then on no new socket opens and no request is accepted for the
 * account. A sign-in racing the deletion cannot outlive it: sessions are revoked once more
 * after the user record is gone (and a password sign-in re-reads the user after creating its
 * session, see `Sessions.startWithPassword`).
 *
 * `live` is what a running relay adds: the account's sockets close on every relay sharing its
 * broadcast (documents 4410, sessions 4401). Without it (a command run beside stopped relays)
 * the documents are deleted in the store directly; `broadcastEffects` gives a command the
 * same reach over a shared broadcast.
 */
import type { UserId } from '@ferry/protocol'
import type { AccountPorts } from '../storage/account-store.ts'
import type { DocStore } from '../storage/doc-store.ts'
import type { Broadcast } from '../sync/broadcast.ts'

/** The stores an account lives in (`Stores` from `createStores` is one). */
export interface AccountData extends AccountPorts {
  readonly docs: DocStore
}

/** What a running relay does besides the stores. */
export interface LiveEffects {
  /** Deletes the owner's docs in the store and closes their sockets (4410) on every relay; answers how many. */
  deleteDocs(owner: UserId): Promise<number>
  /** The user's sessions ended (already in the store): their sockets close (4401) on every relay. */
  sessionsEnded(userId: UserId): void
}

/** What a deletion removed (the avatar and user as found; counts of the rest). */
export interface DeletedAccount {
  readonly docs: number
  readonly links: number
  readonly devices: number
  readonly avatar: boolean
}

/** Deletes the account; null when no user has this id (nothing is touched then). */
export async function deleteAccount(stores: AccountData, userId: UserId, live?: LiveEffects): Promise<DeletedAccount | null> {
  if ((await stores.users.getUser(userId)) === null) return null
  await endSessions(stores, userId, live)
  const links = await stores.links.deleteLinks(userId)
  const docs = live ? await live.deleteDocs(userId) : await stores.docs.deleteOwnedBy(userId)
  const devices = await stores.vault.deleteVault(userId)
  const avatar = await stores.avatars.deleteAvatar(userId)
  await stores.users.deleteUser(userId)
  await endSessions(stores, userId, live)
  return { docs, links, devices, avatar }
}

async function endSessions(stores: AccountData, userId: UserId, live: LiveEffects | undefined): Promise<void> {
  await stores.sessions.revokeAllRefreshTokens(userId)
  live?.sessionsEnded(userId)
}

/**
 * Live effects for a process that is not a relay but shares the relays' broadcast (Redis): the
 * running relays drop the account's rooms (before and after the store deletes the docs, as
 * `SyncService.deleteOwnedDocs` does) and re-check its sockets' sessions.
 */
export function broadcastEffects(broadcast: Broadcast, docs: DocStore): LiveEffects {
  return {
    async deleteDocs(owner) {
      broadcast.publishControl({ kind: 'delete-owned', owner })
      const deleted = await docs.deleteOwnedBy(owner)
      broadcast.publishControl({ kind: 'delete-owned', owner })
      return deleted
    },
    sessionsEnded: (userId) => broadcast.publishControl({ kind: 'sessions', userId }),
  }
}

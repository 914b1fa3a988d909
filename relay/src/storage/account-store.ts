/**
 * The account data a relay keeps besides documents, as five narrow ports — users (with their
 * single-use tokens), sessions, avatars, the vault and share links (`accounts/`) — each handed
 * only to the plugins that need it. A backend (lowdb embedded, PostgreSQL) implements all five
 * over one storage, so a call that spans two of them (revoking a device also ends the session
 * it registered from) stays one atomic step; `AccountStore` is that backend's shape.
 *
 * Each port has its own contract suite in `test/contracts/`, run against both backends.
 */
import type { AvatarStore } from './accounts/avatars.ts'
import type { LinkStore } from './accounts/links.ts'
import type { SessionStore } from './accounts/sessions.ts'
import type { UserStore } from './accounts/users.ts'
import type { VaultStore } from './accounts/vault.ts'

/** The ports, each named for what it holds; what plugins and `deleteAccount` are given. */
export interface AccountPorts {
  readonly users: UserStore
  readonly sessions: SessionStore
  readonly avatars: AvatarStore
  readonly vault: VaultStore
  readonly links: LinkStore
}

/** A backend: every port over one storage, plus its lifecycle. */
export interface AccountStore extends UserStore, SessionStore, AvatarStore, VaultStore, LinkStore {
  /** Resolves when the store can serve reads and writes; rejects with the reason otherwise. */
  ping(): Promise<void>
  /** Flushes pending writes and releases files or connections. */
  close(): Promise<void>
}

/** The backend seen through its ports. */
export function portsOf(store: AccountStore): AccountPorts {
  return { users: store, sessions: store, avatars: store, vault: store, links: store }
}

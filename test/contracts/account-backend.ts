/**
 * Runs every account port's contract (`UserStore`, `SessionStore`, `AvatarStore`, `VaultStore`,
 * `LinkStore`) against one backend. A backend's test file calls
 * `accountBackendContracts(name, open)` with a factory for fresh, empty stores; when the backend
 * is persistent, `open` also returns `reopen`, which closes the store and opens it again on the
 * same storage, and the durability cases run too. A backend serves every port from one object,
 * so a port's suite may set up with another port (an avatar needs a user).
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe } from 'vitest'
import type { UserId } from '@ferry/protocol'
import type { AccountStore } from '../../relay/src/storage/account-store.ts'
import type { NewUser } from '../../relay/src/storage/accounts/users.ts'
import { avatarStoreContract } from './avatar-store.contract.ts'
import { linkStoreContract } from './link-store.contract.ts'
import { sessionStoreContract } from './session-store.contract.ts'
import { userStoreContract } from './user-store.contract.ts'
import { vaultStoreContract } from './vault-store.contract.ts'

export interface OpenedStore {
  store: AccountStore
  /** Closes `store` and opens a new one over the same data. */
  reopen?: () => Promise<AccountStore>
}

/** A fresh, empty store of the backend under test; closed after each case. */
export type Fresh = () => Promise<OpenedStore>

export const randomId = <T extends string = UserId>(): T => randomBytes(16).toString('base64url') as T
export const hash = (): string => randomBytes(32).toString('hex')
export const HOUR = 3600_000

export function newUser(overrides: Partial<NewUser> = {}): NewUser {
  const userId = randomId()
  return {
    id: userId,
    email: `${userId.toLowerCase()}@example.test`,
    name: 'Ada',
    emailConfirmed: false,
    passwordHash: 'scrypt$test',
    createdAt: Date.now(),
    ...overrides,
  }
}

const PORTS: ReadonlyArray<readonly [string, (fresh: Fresh) => void]> = [
  ['UserStore', userStoreContract],
  ['SessionStore', sessionStoreContract],
  ['AvatarStore', avatarStoreContract],
  ['VaultStore', vaultStoreContract],
  ['LinkStore', linkStoreContract],
]

export function accountBackendContracts(backend: string, open: () => Promise<OpenedStore>): void {
  for (const [port, contract] of PORTS) {
    describe(`${port} contract: ${backend}`, () => {
      const opened: AccountStore[] = []
      afterEach(async () => {
        await Promise.all(opened.splice(0).map((store) => store.close()))
      })
      contract(async () => {
        const result = await open()
        opened.push(result.store)
        if (!result.reopen) return result
        const reopen = result.reopen
        return {
          store: result.store,
          reopen: async () => {
            const again = await reopen()
            opened.push(again)
            return again
          },
        }
      })
    })
  }
}

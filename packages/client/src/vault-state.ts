/**
 * What the vault on this device is in, as `Vault.state` says and `Vault.onChange` tells: no
 * vault yet, locked (and why) or unlocked at a key generation, with what the device refused.
 */
import type { ChainProblem } from './vault-chain.ts'

/** A newer key generation the relay offered and this device refused. */
export interface RefusedGeneration {
  readonly generation: number
  readonly problem: ChainProblem
}

/**
 * `untrusted` (when present): the relay is at a key generation this device refused — made with
 * a stolen access token or by the relay; rotating from a device you trust moves past it.
 * `recoveryTampered` (when present): the relay's recovery wrap was not written by a holder of
 * the vault key, so the user's recovery key would not open it; make a new recovery key.
 */
export type VaultState =
  | { readonly kind: 'no-vault' }
  | { readonly kind: 'locked'; readonly reason: 'unchecked' | 'pending' | 'revoked'; readonly untrusted?: RefusedGeneration }
  | { readonly kind: 'unlocked'; readonly generation: number; readonly untrusted?: RefusedGeneration; readonly recoveryTampered?: true }

/** Unlocked at the newest of the generations this device holds the keys of; null when it holds none. */
export function unlockedState(generations: readonly number[], untrusted: RefusedGeneration | null, recoveryTampered: boolean): VaultState | null {
  if (generations.length === 0) return null
  return {
    kind: 'unlocked',
    generation: Math.max(...generations),
    ...(untrusted ? { untrusted } : {}),
    ...(recoveryTampered ? { recoveryTampered: true as const } : {}),
  }
}

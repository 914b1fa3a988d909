/**
 * How a variable value is stored in the environments doc: `g<generation>.<envelope>`, where
 * the envelope is `sealText` under that generation of the vault key, with associated data
 * binding it to the doc name, the environment (empty for the globals) and the variable id.
 * A value copied to another variable, environment or account therefore fails to open.
 *
 * The generation prefix is in the clear so a device can tell "sealed under a key I do not
 * have yet (another device rotated)" from "tampered"; changing it only picks a wrong key.
 * The empty string is an unset value, not ciphertext (a new variable starts empty).
 */
import { CryptoError, joinAssociatedData, openText, sealText } from '@ferry/crypto'
import type { DocName } from '@ferry/protocol'
import { VaultValueError } from './vault-errors.ts'

/** Where a variable lives: its doc, its environment (null for the globals) and its id. */
export interface VariableAddress {
  readonly docName: DocName
  readonly environmentId: string | null
  readonly variableId: string
}

const PATTERN = /^g([1-9][0-9]{0,9})\.([A-Za-z0-9_-]+)$/

function associatedData(address: VariableAddress): Uint8Array {
  return joinAssociatedData('ferry/vault/value/v1', address.docName, address.environmentId ?? '', address.variableId)
}

/** The generation a stored value was sealed under; null for the empty value. @throws VaultValueError when it is not vault ciphertext. */
export function valueGeneration(stored: string): number | null {
  if (stored === '') return null
  const match = PATTERN.exec(stored)
  if (!match) throw new VaultValueError('malformed', 'This value is not vault ciphertext.')
  return Number(match[1])
}

export async function sealValue(key: CryptoKey, generation: number, address: VariableAddress, value: string): Promise<string> {
  return `g${generation}.${await sealText(key, value, associatedData(address))}`
}

/**
 * Opens a stored value with the key of its generation.
 * @throws VaultValueError: `tampered` when it does not authenticate for this address, `malformed` when it is not ciphertext.
 */
export async function openValue(key: CryptoKey, address: VariableAddress, stored: string): Promise<string> {
  const match = PATTERN.exec(stored)
  if (!match) throw new VaultValueError('malformed', 'This value is not vault ciphertext.')
  try {
    return await openText(key, match[2]!, associatedData(address))
  } catch (error) {
    if (error instanceof CryptoError) {
      throw new VaultValueError('tampered', 'This value was altered, or belongs to another variable or account.')
    }
    throw error
  }
}

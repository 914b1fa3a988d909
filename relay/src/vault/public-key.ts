/**
 * Whether a device's public key is a point on P-256: the vault routes and an account backup's
 * vault record refuse any other, so no device can be approved to a key nobody can hold (and no
 * rotation has to wrap the vault key to one).
 */
import { webcrypto } from 'node:crypto'

export async function isPublicKey(text: string): Promise<boolean> {
  try {
    await webcrypto.subtle.importKey('raw', Buffer.from(text, 'base64url'), { name: 'ECDH', namedCurve: 'P-256' }, true, [])
    return true
  } catch {
    return false
  }
}

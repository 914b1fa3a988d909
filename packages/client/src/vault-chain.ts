/**
 * The vault key chain (docs/decisions.md "Vault key chain"): the proof, checked on each device,
 * that a vault key generation was made by someone who held an earlier one, so that neither a
 * stolen access token nor the relay can make devices switch to a key of their own.
 *
 * Each generation's link names the new key (by an id derived from it), the generation that
 * vouches for it (`parent`: the previous one, or an earlier one when a device rotates past a
 * generation it refused), the devices it was wrapped for, and carries the parent's key sealed
 * under the new one (so a device that slept through rotations can walk back to a key it holds).
 * Its tag is an HMAC under a key derived from the parent's key. A recovery wrap carries a tag
 * under a key derived from its own generation's key.
 */
import {
  deriveAesKey,
  deriveMacKey,
  exportAesKey,
  fromBase64Url,
  hkdf,
  importAesKey,
  joinAssociatedData,
  macSign,
  macVerify,
  openEnvelope,
  sealEnvelope,
  toBase64Url,
  utf8Decode,
  utf8Encode,
} from '@ferry/crypto'
import type { UserId } from '@ferry/protocol'

/**
 * Why a device refused a key generation:
 * - `missing_link`: the relay has no link for it (made without one, e.g. with a stolen token);
 * - `malformed_link`: the link is not one, or its sealed previous key does not open;
 * - `bad_tag`: the link's tag does not verify under the key of the generation it names;
 * - `key_mismatch`: the key wrapped to this device is not the one the link names;
 * - `unanchored`: the chain does not lead back to a key this device holds;
 * - `superseded_parent`: the chain leads back to a key this device holds, but not its newest —
 *   an older key (a revoked device's, an old recovery key's) may be known to others;
 * - `unreadable_key`: the key wrapped to this device does not open;
 * - `unverifiable`: this device was given no key of that generation to check (the relay is at a
 *   generation this device cannot verify).
 */
export type ChainProblem = 'missing_link' | 'malformed_link' | 'bad_tag' | 'key_mismatch' | 'unanchored' | 'superseded_parent' | 'unreadable_key' | 'unverifiable'

export interface ChainLink {
  readonly generation: number
  /** The generation whose key vouches for this one; 0 for a vault's first generation. */
  readonly parent: number
  /** `vaultKeyId` of this generation's key. */
  readonly keyId: string
  /** The device ids the key was wrapped for, sorted. */
  readonly recipients: readonly string[]
  /** The parent's key sealed under this generation's; null for the first generation. */
  readonly previousKey: string | null
  /** HMAC under the parent's chain key; null for the first generation. */
  readonly tag: string | null
}

const NO_SALT = new Uint8Array(0)
const KEY_ID_INFO = 'ferry/vault/key-id/v1'
const CHAIN_MAC_INFO = 'ferry/vault/chain-mac/v1'
const PREVIOUS_KEY_INFO = 'ferry/vault/chain-previous/v1'
const RECOVERY_MAC_INFO = 'ferry/vault/recovery-mac/v1'

/** A public name of a vault key (16 bytes of HKDF, base64url): says which key, reveals nothing of it. */
export async function vaultKeyId(key: CryptoKey): Promise<string> {
  return toBase64Url(await hkdf(await exportAesKey(key), { salt: NO_SALT, info: KEY_ID_INFO }, 16))
}

const linkBytes = (owner: UserId, link: Omit<ChainLink, 'tag'>): Uint8Array =>
  joinAssociatedData(
    'ferry/vault/chain/v1',
    owner,
    String(link.generation),
    String(link.parent),
    link.keyId,
    link.recipients.join(' '),
    link.previousKey ?? '',
  )
const previousKeyAd = (owner: UserId, generation: number, parent: number) =>
  joinAssociatedData(PREVIOUS_KEY_INFO, owner, String(generation), String(parent))

const chainMacKey = async (key: CryptoKey) => deriveMacKey(await exportAesKey(key), { salt: NO_SALT, info: CHAIN_MAC_INFO })
const previousKeyKek = async (key: CryptoKey) => deriveAesKey(await exportAesKey(key), { salt: NO_SALT, info: PREVIOUS_KEY_INFO })

/** The encoded link (base64url of JSON) vouching for `key` as `generation`; `parent` null for a vault's first. */
export async function makeLink(input: {
  owner: UserId
  generation: number
  key: CryptoKey
  recipients: readonly string[]
  parent: { readonly generation: number; readonly key: CryptoKey } | null
}): Promise<string> {
  const { owner, generation, key, parent } = input
  const body: Omit<ChainLink, 'tag'> = {
    generation,
    parent: parent?.generation ?? 0,
    keyId: await vaultKeyId(key),
    recipients: [...input.recipients].sort(),
    previousKey:
      parent === null
        ? null
        : toBase64Url(await sealEnvelope(await previousKeyKek(key), await exportAesKey(parent.key), previousKeyAd(owner, generation, parent.generation))),
  }
  const tag = parent === null ? null : toBase64Url(await macSign(await chainMacKey(parent.key), linkBytes(owner, body)))
  return toBase64Url(utf8Encode(JSON.stringify({ ...body, tag })))
}

/** The link, or null when the text is not one. */
export function parseLink(text: string): ChainLink | null {
  try {
    const v = JSON.parse(utf8Decode(fromBase64Url(text))) as Record<string, unknown>
    const ok =
      Number.isInteger(v.generation) &&
      Number.isInteger(v.parent) &&
      typeof v.keyId === 'string' &&
      Array.isArray(v.recipients) &&
      v.recipients.every((r) => typeof r === 'string') &&
      (v.previousKey === null || typeof v.previousKey === 'string') &&
      (v.tag === null || typeof v.tag === 'string')
    return ok ? (v as unknown as ChainLink) : null
  } catch {
    return null
  }
}

export type ChainVerdict =
  | { readonly ok: true; /** Every key this walk proved, the target's included (generation → key). */ readonly keys: ReadonlyMap<number, CryptoKey> }
  | { readonly ok: false; readonly problem: ChainProblem }

/**
 * Checks that `key`, offered as `generation`, descends through valid links from a key in
 * `trusted` (the keys this device holds). With no trusted key at all (a device approved just
 * now: the approval is its anchor), the walk must instead reach the vault's first link or a
 * generation made before links existed, and every link on the way must hold.
 */
export async function verifyGeneration(input: {
  owner: UserId
  generation: number
  key: CryptoKey
  links: ReadonlyMap<number, string>
  trusted: ReadonlyMap<number, CryptoKey>
}): Promise<ChainVerdict> {
  const { owner, links, trusted } = input
  const firstKey = trusted.size === 0
  // Only the newest key this device holds may vouch for what comes after it: an older one may
  // have leaked (a revoked device, an old recovery key) — it was rotated away for that reason.
  const newest = firstKey ? 0 : Math.max(...trusted.keys())
  const keys = new Map<number, CryptoKey>()
  let generation = input.generation
  let key = input.key
  for (;;) {
    if (!firstKey && generation < newest) return { ok: false, problem: 'superseded_parent' }
    const anchor = trusted.get(generation)
    if (anchor) return (await vaultKeyId(anchor)) === (await vaultKeyId(key)) ? { ok: true, keys } : { ok: false, problem: 'key_mismatch' }
    const text = links.get(generation)
    if (text === undefined) return firstKey ? { ok: true, keys: keys.set(generation, key) } : { ok: false, problem: 'missing_link' }
    const link = parseLink(text)
    if (link === null || link.generation !== generation) return { ok: false, problem: 'malformed_link' }
    if (link.keyId !== (await vaultKeyId(key))) return { ok: false, problem: 'key_mismatch' }
    keys.set(generation, key)
    if (link.parent === 0 && firstKey && link.previousKey === null) return { ok: true, keys }
    if (link.parent < 1 || link.parent >= generation || link.previousKey === null || link.tag === null) return { ok: false, problem: 'unanchored' }
    const parentKey = trusted.get(link.parent) ?? (await openPreviousKey(owner, link, key))
    if (parentKey === null) return { ok: false, problem: 'malformed_link' }
    const tag = safeBytes(link.tag)
    if (tag === null || !(await macVerify(await chainMacKey(parentKey), tag, linkBytes(owner, link)))) return { ok: false, problem: 'bad_tag' }
    generation = link.parent
    key = parentKey
  }
}

/** Whether `text` is a link of a later generation that a holder of `key` (generation `generation`) made. */
export async function linkVouchedBy(owner: UserId, text: string, generation: number, key: CryptoKey): Promise<boolean> {
  const link = parseLink(text)
  if (link === null || link.parent !== generation || link.generation <= generation || link.tag === null) return false
  const tag = safeBytes(link.tag)
  return tag !== null && macVerify(await chainMacKey(key), tag, linkBytes(owner, link))
}

async function openPreviousKey(owner: UserId, link: ChainLink, key: CryptoKey): Promise<CryptoKey | null> {
  const sealed = link.previousKey === null ? null : safeBytes(link.previousKey)
  if (sealed === null) return null
  try {
    const raw = await openEnvelope(await previousKeyKek(key), sealed, previousKeyAd(owner, link.generation, link.parent))
    return await importAesKey(raw, { extractable: true })
  } catch {
    return null
  }
}

function safeBytes(text: string): Uint8Array | null {
  try {
    return fromBase64Url(text)
  } catch {
    return null
  }
}

const recoveryBytes = (owner: UserId, generation: number, wrapped: string) => joinAssociatedData('ferry/vault/recovery-tag/v1', owner, String(generation), wrapped)
const recoveryMacKey = async (key: CryptoKey) => deriveMacKey(await exportAesKey(key), { salt: NO_SALT, info: RECOVERY_MAC_INFO })

/** The tag that shows a holder of `key` (generation `generation`) stored `wrapped` as the recovery wrap. */
export async function recoveryTag(owner: UserId, generation: number, wrapped: string, key: CryptoKey): Promise<string> {
  return toBase64Url(await macSign(await recoveryMacKey(key), recoveryBytes(owner, generation, wrapped)))
}

/** Whether `tag` shows a holder of `key` stored `wrapped`; false for a missing tag. */
export async function verifyRecoveryTag(owner: UserId, entry: { generation: number; wrappedKey: string; tag: string | null }, key: CryptoKey): Promise<boolean> {
  const tag = entry.tag === null ? null : safeBytes(entry.tag)
  return tag !== null && macVerify(await recoveryMacKey(key), tag, recoveryBytes(owner, entry.generation, entry.wrappedKey))
}

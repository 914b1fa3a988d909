/**
 * Reading an account backup file (`format.ts`, docs/BACKUP.md) from untrusted bytes, once, at
 * the edge: the relay's restore route and the client's restore both call `parseBackup` before
 * they write anything. Every problem is answered with a sentence a person can act on, and the
 * first one found ends the read. A version-1 file holds exactly the fields the format lists:
 * anything else (a doc entry naming an owner, an unknown kind, a field a newer writer added
 * without raising the version) is refused rather than guessed at.
 */
import { fromBase64 } from 'lib0/buffer'
import * as Y from 'yjs'
import { characterCount, MAX_NAME_LENGTH } from '../account-limits.ts'
import { DOC_KINDS, isIdPart, isUserId, type DocKind } from '../doc-names.ts'
import { err, ok, type Result } from '../result.ts'
import { checkUpdate, DEFAULT_MAX_UPDATE_DECODED_BYTES } from '../update-cost/cost.ts'
import { DEVICE_ID_PATTERN, LINK_PATTERN, MAX_DEVICES, MAX_GENERATION, MAX_LIVE_DEVICES, PUBLIC_KEY_PATTERN, TAG_PATTERN, WRAPPED_KEY_PATTERN } from '../vault-shapes.ts'
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  MAX_BACKUP_BYTES,
  MAX_BACKUP_DOCS,
  type AccountBackup,
  type BackupDevice,
  type BackupDoc,
  type BackupRecoveryWrap,
  type BackupVault,
} from './format.ts'

/**
 * Why a file is not a backup this version can restore:
 * - `too_large`: over the size limit, or holding a doc that would take more memory to read
 *   than one change may (`ParseBackupOptions`);
 * - `not_json`: not UTF-8 JSON;
 * - `not_a_backup`: JSON, but not a Ferry account backup (no or another `format`);
 * - `newer_version`: written by a newer Ferry;
 * - `malformed`: a backup whose content is broken or not what the format allows.
 */
export type BackupErrorCode = 'too_large' | 'not_json' | 'not_a_backup' | 'newer_version' | 'malformed'

export interface BackupError {
  readonly code: BackupErrorCode
  readonly message: string
}

/** Recovery wraps the relay keeps per account (the current one and 64 replaced), with room to spare. */
const MAX_RECOVERIES = 128
const MAX_LINKS = 100_000
const MAX_EMAIL_LENGTH = 320
const MAX_URL_LENGTH = 2048
/**
 * Padded base64, checked with the length: a pattern repeating 4-character groups overflowed
 * V8's regexp stack past ~8 MB of text (a collection of ~6 MB could not be restored).
 */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const isBase64 = (text: string): boolean => text.length % 4 === 0 && BASE64.test(text)
const DEVICE_ID = new RegExp(DEVICE_ID_PATTERN)
const PUBLIC_KEY = new RegExp(PUBLIC_KEY_PATTERN)
const WRAPPED_KEY = new RegExp(WRAPPED_KEY_PATTERN)
const TAG = new RegExp(TAG_PATTERN)
const LINK = new RegExp(LINK_PATTERN)
const DEVICE_STATUSES: readonly string[] = ['pending', 'approved', 'revoked']

/** Thrown inside the reader, caught once at its edge: a path and what is wrong there. */
class Refusal extends Error {
  constructor(readonly code: BackupErrorCode, message: string) {
    super(message)
  }
}

const malformed = (message: string): Refusal => new Refusal('malformed', `This backup is damaged: ${message}.`)

/**
 * A value of the file as a sentence quotes it: short strings and numbers as they are, anything
 * else by what it is — a file may hold a string of megabytes or a list nested a million deep,
 * which must neither fill the sentence nor overflow the stack (JSON.stringify recurses).
 */
function quoted(v: unknown): string {
  if (typeof v === 'string') return v.length <= 40 ? JSON.stringify(v) : `a string of ${v.length} characters`
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v)
  return Array.isArray(v) ? 'a list' : 'an object'
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `v` as an object at `path` holding no keys but `required` and `optional`. */
function object(v: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Json {
  if (!isObject(v)) throw malformed(`${path} is not an object`)
  for (const key of required) if (!Object.hasOwn(v, key)) throw malformed(`${path} has no "${key}"`)
  for (const key of Object.keys(v)) {
    if (!required.includes(key) && !optional.includes(key)) throw malformed(`${path} has a field "${key}" that this version of the format does not have`)
  }
  return v
}

function string(v: unknown, path: string, maxLength: number): string {
  if (typeof v !== 'string') throw malformed(`${path} is not a string`)
  if (v.length > maxLength) throw malformed(`${path} is longer than ${maxLength} characters`)
  return v
}

const nullable = <T>(v: unknown, read: (v: unknown) => T): T | null => (v === null || v === undefined ? null : read(v))

function count(v: unknown, path: string, min: number): number {
  if (!Number.isSafeInteger(v) || (v as number) < min) throw malformed(`${path} is not a whole number of at least ${min}`)
  return v as number
}

function array(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) throw malformed(`${path} is not a list`)
  if (v.length > max) throw malformed(`${path} holds more than ${max} entries`)
  return v
}

/** How much memory one doc's update may take to decode (the relay passes its `MAX_UPDATE_DECODED_BYTES`). */
export interface ParseBackupOptions {
  readonly maxUpdateDecodedBytes?: number
}

function readDoc(v: unknown, path: string, maxDecodedBytes: number): BackupDoc {
  const entry = object(v, path, ['kind', 'update'], ['id'])
  if (typeof entry.kind !== 'string' || !(DOC_KINDS as readonly string[]).includes(entry.kind)) {
    throw malformed(`${path}.kind is ${quoted(entry.kind)}, not one of ${DOC_KINDS.join(', ')}`)
  }
  const kind = entry.kind as DocKind
  const id = nullable(entry.id, (raw) => {
    if (!isIdPart(raw)) throw malformed(`${path}.id is not an id (1 to 64 of A–Z, a–z, 0–9, _ and -)`)
    return raw as string
  })
  if (kind === 'collection' && id === null) throw malformed(`${path} is a collection without an id`)
  if (kind !== 'collection' && id !== null) throw malformed(`${path} is the account's ${kind}, which has no id`)
  const text = string(entry.update, `${path}.update`, Number.MAX_SAFE_INTEGER)
  if (!isBase64(text)) throw malformed(`${path}.update is not base64`)
  const update = fromBase64(text)
  // Counted before anything decodes it: an update of tiny structs decodes to ~50 times its size.
  const checked = checkUpdate(update, maxDecodedBytes)
  if (!checked.ok && checked.error.code === 'too-costly') throw new Refusal('too_large', `This backup's ${path}.update is too costly to read: ${checked.error.message}.`)
  if (!checked.ok) throw malformed(`${path}.update is not a Yjs update`)
  try {
    // Then decoded in full, which the count bounds: what only a decode checks (its strings) is
    // refused here too, before anything is written anywhere.
    Y.decodeUpdate(update)
  } catch {
    throw malformed(`${path}.update is not a Yjs update`)
  }
  return { kind, id, update }
}

function generation(v: unknown, path: string): number {
  const g = count(v, path, 1)
  if (g > MAX_GENERATION) throw malformed(`${path} is past ${MAX_GENERATION}, the newest vault key generation there can be`)
  return g
}

/** A key, id or link in the shape the relay's vault routes take (vault-shapes.ts): a record they could not have written is refused. */
function shaped(v: unknown, path: string, pattern: RegExp, what: string): string {
  if (typeof v !== 'string' || !pattern.test(v)) throw malformed(`${path} is not ${what}`)
  return v
}

function readRecovery(v: unknown, path: string): BackupRecoveryWrap {
  const wrap = object(v, path, ['generation', 'wrappedKey', 'tag'])
  return {
    generation: generation(wrap.generation, `${path}.generation`),
    wrappedKey: shaped(wrap.wrappedKey, `${path}.wrappedKey`, WRAPPED_KEY, 'a wrapped key'),
    tag: nullable(wrap.tag, (t) => shaped(t, `${path}.tag`, TAG, 'a tag')),
  }
}

function readDevice(v: unknown, path: string): BackupDevice {
  const device = object(v, path, ['id', 'name', 'publicKey', 'status', 'wrappedKey', 'generation', 'createdAt', 'approvedAt', 'revokedAt'])
  if (!DEVICE_STATUSES.includes(device.status as string)) throw malformed(`${path}.status is not pending, approved or revoked`)
  const status = device.status as BackupDevice['status']
  const time = (t: unknown, name: string) => count(t, `${path}.${name}`, 0)
  const read: BackupDevice = {
    id: shaped(device.id, `${path}.id`, DEVICE_ID, 'a device id'),
    name: string(device.name, `${path}.name`, MAX_NAME_LENGTH * 2),
    publicKey: shaped(device.publicKey, `${path}.publicKey`, PUBLIC_KEY, 'a P-256 public key'),
    status,
    wrappedKey: nullable(device.wrappedKey, (k) => shaped(k, `${path}.wrappedKey`, WRAPPED_KEY, 'a wrapped key')),
    generation: nullable(device.generation, (g) => generation(g, `${path}.generation`)),
    createdAt: time(device.createdAt, 'createdAt'),
    approvedAt: nullable(device.approvedAt, (t) => time(t, 'approvedAt')),
    revokedAt: nullable(device.revokedAt, (t) => time(t, 'revokedAt')),
  }
  // The relay holds a key for exactly its approved devices (a revoked one's is dropped).
  if ((status === 'approved') !== (read.wrappedKey !== null) || (read.wrappedKey === null) !== (read.generation === null)) {
    throw malformed(`${path} is ${status} ${read.wrappedKey === null ? 'without' : 'with'} a wrapped key`)
  }
  return read
}

/** Refuses a generation after the vault's own, and the same generation (or device) twice. */
function once<T>(entries: readonly T[], path: string, current: number, key: (entry: T) => string | number | null, generationOf: (entry: T) => number | null): void {
  const seen = new Set<string | number>()
  for (const [i, entry] of entries.entries()) {
    const g = generationOf(entry)
    if (g !== null && g > current) throw malformed(`${path}[${i}] is of generation ${g}, after the vault's ${current}`)
    const k = key(entry)
    if (k === null) continue
    if (seen.has(k)) throw malformed(`${path}[${i}] repeats ${typeof k === 'number' ? `generation ${k}` : `device ${k}`}`)
    seen.add(k)
  }
}

function readVault(v: unknown): BackupVault {
  const vault = object(v, 'vault', ['generation', 'recoveries', 'links', 'devices'])
  const current = generation(vault.generation, 'vault.generation')
  const recoveries = array(vault.recoveries, 'vault.recoveries', MAX_RECOVERIES).map((r, i) => readRecovery(r, `vault.recoveries[${i}]`))
  if (recoveries[0]?.generation !== current) throw malformed('vault.recoveries does not start with a recovery wrap of the current generation')
  const links = array(vault.links, 'vault.links', MAX_LINKS).map((l, i) => {
    const link = object(l, `vault.links[${i}]`, ['generation', 'link'])
    return { generation: generation(link.generation, `vault.links[${i}].generation`), link: shaped(link.link, `vault.links[${i}].link`, LINK, 'a chain link') }
  })
  const devices = array(vault.devices, 'vault.devices', MAX_DEVICES).map((d, i) => readDevice(d, `vault.devices[${i}]`))
  // A link planted for a later generation would be kept over that rotation's own (a
  // generation's link is never replaced), and every device would refuse the rotation.
  once(recoveries, 'vault.recoveries', current, () => null, (r) => r.generation)
  once(links, 'vault.links', current, (l) => l.generation, (l) => l.generation)
  once(devices, 'vault.devices', current, (d) => d.id, (d) => d.generation)
  if (devices.filter((d) => d.status !== 'revoked').length > MAX_LIVE_DEVICES) throw malformed(`vault.devices lists more than ${MAX_LIVE_DEVICES} devices that are not revoked, more than an account can have`)
  return { generation: current, recoveries, links, devices }
}

function readBackup(value: unknown, maxDecodedBytes: number): AccountBackup {
  if (!isObject(value) || value.format !== BACKUP_FORMAT) throw new Refusal('not_a_backup', 'This file is not a Ferry account backup.')
  const version = value.version
  if (typeof version === 'number' && Number.isSafeInteger(version) && version > BACKUP_VERSION) {
    throw new Refusal('newer_version', `This backup was written by a newer Ferry (format version ${version}); this one reads version ${BACKUP_VERSION}. Update Ferry to restore it.`)
  }
  if (version !== BACKUP_VERSION) throw malformed(`its version is ${quoted(version)}, not ${BACKUP_VERSION}`)
  const top = object(value, 'the file', ['format', 'version', 'createdAt', 'source', 'docs'], ['profile', 'vault'])
  const createdAt = string(top.createdAt, 'createdAt', 64)
  if (Number.isNaN(Date.parse(createdAt))) throw malformed('createdAt is not a date')
  const source = object(top.source, 'source', ['accountId'], ['relay', 'email'])
  if (!isUserId(source.accountId)) throw malformed('source.accountId is not an account id')
  const profile = nullable(top.profile, (p) => {
    const name = string(object(p, 'profile', ['name']).name, 'profile.name', MAX_NAME_LENGTH * 4)
    if (characterCount(name) > MAX_NAME_LENGTH) throw malformed(`profile.name is longer than ${MAX_NAME_LENGTH} characters`)
    return { name }
  })
  const docs = array(top.docs, 'docs', MAX_BACKUP_DOCS).map((d, i) => readDoc(d, `docs[${i}]`, maxDecodedBytes))
  const seen = new Set<string>()
  for (const [i, doc] of docs.entries()) {
    const key = `${doc.kind}:${doc.id ?? ''}`
    if (seen.has(key)) throw malformed(`docs[${i}] repeats the ${doc.kind}${doc.id === null ? '' : ` ${doc.id}`}`)
    seen.add(key)
  }
  return {
    createdAt,
    source: {
      relay: nullable(source.relay, (r) => string(r, 'source.relay', MAX_URL_LENGTH)),
      accountId: source.accountId,
      email: nullable(source.email, (e) => string(e, 'source.email', MAX_EMAIL_LENGTH)),
    },
    profile,
    vault: nullable(top.vault, readVault),
    docs,
  }
}

/** Reads a backup file (its bytes, or its text). Never throws: a file it cannot restore is an error with a sentence. */
export function parseBackup(file: Uint8Array | string, options: ParseBackupOptions = {}): Result<AccountBackup, BackupError> {
  const size = typeof file === 'string' ? file.length : file.byteLength
  if (size > MAX_BACKUP_BYTES) {
    return err({ code: 'too_large', message: `This file is larger than ${MAX_BACKUP_BYTES / (1024 * 1024)} MiB, more than an account backup can be.` })
  }
  let value: unknown
  try {
    value = JSON.parse(typeof file === 'string' ? file : new TextDecoder('utf-8', { fatal: true }).decode(file))
  } catch {
    return err({ code: 'not_json', message: 'This file is not a Ferry account backup (it is not JSON).' })
  }
  try {
    return ok(readBackup(value, options.maxUpdateDecodedBytes ?? DEFAULT_MAX_UPDATE_DECODED_BYTES))
  } catch (error) {
    if (error instanceof Refusal) return err({ code: error.code, message: error.message })
    throw error
  }
}

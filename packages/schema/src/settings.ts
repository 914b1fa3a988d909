/** Account-wide settings kept in the workspace doc, each a last-writer-wins scalar. */
import type * as Y from 'yjs'
import type { ProblemSink } from './validate.ts'

export interface Settings {
  /** History entries kept (newest); 1 to 100,000. */
  historyLimit: number
  /** Request timeout in milliseconds; 0 = none; at most 10 minutes. */
  requestTimeoutMs: number
  followRedirects: boolean
  /** Verify TLS certificates of the APIs the user calls. */
  verifyTls: boolean
  /** Days a collection or environment stays in the trash before it is deleted for good; 1 to 3,650. */
  trashRetentionDays: number
}

export const SETTINGS_DEFAULTS: Readonly<Settings> = Object.freeze({
  historyLimit: 5000,
  requestTimeoutMs: 30_000,
  followRedirects: true,
  verifyTls: true,
  trashRetentionDays: 30,
})

const isInt = (min: number, max: number) => (v: unknown): boolean => Number.isInteger(v) && (v as number) >= min && (v as number) <= max
const isBoolean = (v: unknown): boolean => typeof v === 'boolean'

const VALID: { [K in keyof Settings]: (v: unknown) => boolean } = {
  historyLimit: isInt(1, 100_000),
  requestTimeoutMs: isInt(0, 600_000),
  followRedirects: isBoolean,
  verifyTls: isBoolean,
  trashRetentionDays: isInt(1, 3650),
}

/** Whether `value` is allowed for setting `key` (writes check this; reads fall back to defaults). */
export function isValidSetting<K extends keyof Settings>(key: K, value: unknown): value is Settings[K] {
  return Object.hasOwn(VALID, key) && VALID[key](value)
}

export function readSettings(map: Y.Map<unknown>, report: ProblemSink): Settings {
  const settings: Settings = { ...SETTINGS_DEFAULTS }
  for (const key of Object.keys(VALID) as (keyof Settings)[]) {
    const value = map.get(key)
    if (value === undefined) continue
    if (VALID[key](value)) Object.assign(settings, { [key]: value })
    else report({ code: 'malformed_setting', path: `settings/${key}`, message: `invalid value; using ${SETTINGS_DEFAULTS[key]}` })
  }
  return settings
}

/**
 * Secrets the relay generates for itself on first start (the access-token signing key, the
 * master key): kept in the data dir, created with mode 0600 and never rewritten.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

/** Reads the key file at `path` (base64); null when there is none. */
export function readKeyFile(path: string): Buffer | null {
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    return null
  }
}

/** Reads the key file at `path`, or creates it holding `bytes` random bytes (base64). */
export function loadOrCreateKeyFile(path: string, bytes: number): Buffer {
  const existing = readKeyFile(path)
  if (existing) return existing
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const key = randomBytes(bytes)
  const fd = openSync(path, 'wx', 0o600)
  try {
    writeSync(fd, key.toString('base64') + '\n')
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  // The new entry itself must survive a power cut, or the next start would make another key.
  const dir = openSync(dirname(path), 'r')
  try {
    fsyncSync(dir)
  } finally {
    closeSync(dir)
  }
  return key
}

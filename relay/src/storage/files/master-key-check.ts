/**
 * The files store's guard against a wrong master key: `<docs>/master-key-verifier` holds a
 * value derived from the key the docs are sealed with (as PostgreSQL's `ferry_master_key`
 * does). A relay started with another key — a changed `FERRY_MASTER_KEY`, or a lost
 * `keys/master.key` that was silently generated anew — refuses to start instead of serving
 * every doc as empty. A data dir written before the verifier existed is checked by opening
 * one doc's data key, then gets its verifier.
 */
import { timingSafeEqual } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ConfigError } from '../../config.ts'
import { DocStoreError } from '../doc-store.ts'
import { MasterKey } from '../keys.ts'
import { mkdirDurable, readFileIfThere, writeFileAtomic } from './fs-util.ts'

const VERIFIER = 'master-key-verifier'

const wrongKey = (): ConfigError =>
  new ConfigError(
    'the data dir holds documents sealed with a different master key. Start the relay with the key they were written with ' +
      '(FERRY_MASTER_KEY, or the original <dataDir>/keys/master.key restored from your backup); a new key cannot read them.',
  )

/** One stored doc's id and wrapped data key, if the store holds any. */
async function anyDataKey(root: string): Promise<{ id: string; wrapped: Buffer } | null> {
  for (const prefix of await readdir(root).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{2}$/.test(prefix)) continue
    for (const id of await readdir(join(root, prefix))) {
      const wrapped = await readFileIfThere(join(root, prefix, id, 'key'))
      if (wrapped) return { id, wrapped }
    }
  }
  return null
}

/**
 * Whether `master` is the key the docs under `root` are sealed with, without writing:
 * `'unknown'` when the store holds no doc and no verifier yet (any key will do).
 */
export async function masterKeyMatches(root: string, master: MasterKey): Promise<'yes' | 'no' | 'unknown'> {
  const verifier = master.verifier()
  const stored = await readFileIfThere(join(root, VERIFIER))
  if (stored) return stored.length === verifier.length && timingSafeEqual(stored, verifier) ? 'yes' : 'no'
  const sample = await anyDataKey(root)
  if (!sample) return 'unknown'
  try {
    master.unwrapDataKey(sample.id, sample.wrapped)
    return 'yes'
  } catch (err) {
    if (err instanceof DocStoreError) return 'no'
    throw err
  }
}

/** Throws `ConfigError` when `master` is not the key the docs under `root` are sealed with; records its verifier. */
export async function checkMasterKey(root: string, master: MasterKey): Promise<void> {
  if ((await masterKeyMatches(root, master)) === 'no') throw wrongKey()
  if (await readFileIfThere(join(root, VERIFIER))) return
  await mkdirDurable(root)
  await writeFileAtomic(join(root, VERIFIER), [master.verifier()])
}

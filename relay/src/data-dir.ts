/**
 * The data directory and its ownership. Only one relay process may own a data dir: two
 * writers appending to the same logs would corrupt them, so the second refuses to start.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
}

/**
 * Lock files this process holds. A lock naming our own pid is normally stale (a previous
 * process that crashed had the pid we now have), unless we took it ourselves: a second
 * `buildApp` on the same dir in one process must be refused too.
 */
const heldHere = new Map<string, symbol>()

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes the data dir's lock file (`relay.lock`, holding the owner's pid) and returns its
 * release function. A lock left by a process that no longer runs (a crash, `kill -9`) is
 * taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, 'relay.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      const holder = Symbol(path)
      heldHere.set(path, holder)
      return () => {
        if (heldHere.get(path) !== holder) return
        heldHere.delete(path)
        rmSync(path, { force: true })
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const owner = Number(readFileSync(path, 'utf8').trim())
      const ours = owner === process.pid && heldHere.has(path)
      if (ours || (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner))) {
        throw new DataDirLockedError(
          `Another Ferry relay (pid ${owner}) is already using the data dir ${dataDir}. ` +
            'Stop it, or start this one with a different FERRY_DATA_DIR.',
        )
      }
      rmSync(path, { force: true })
    }
  }
  throw new DataDirLockedError(`Could not lock the data dir ${dataDir}`)
}

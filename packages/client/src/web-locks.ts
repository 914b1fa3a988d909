/**
 * The Web Locks API, where the browser has it: locks shared by every tab of this origin and
 * released by the browser when a tab dies. Missing in Node and old browsers (null), where
 * callers fall back to something weaker and say so.
 */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>
  request<T>(name: string, options: { signal: AbortSignal }, callback: () => Promise<T>): Promise<T>
}

export function webLocks(): LockManagerLike | null {
  return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks ?? null
}

/** Runs `task` holding the origin-wide lock `name`, or directly where Web Locks are missing. */
export function withTabLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = webLocks()
  return locks ? locks.request(name, task) : task()
}

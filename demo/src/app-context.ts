/** What every view of the signed-in shell is handed: the session, its workspace and UI state. */
import type { Workspace } from '@ferry/client'
import type { AppSession } from './model/session.ts'

/** localStorage key set once the user chose to use Ferry without an account on this device. */
export const LOCAL_CHOSEN_KEY = 'ferry:use-local'

export interface AppContext {
  readonly session: AppSession
  readonly workspace: Workspace
  /** Folders and collections open in the sidebar, remembered per account on this device. */
  readonly expanded: ExpandedSet
}

/** A persisted set of open tree nodes (localStorage, one key per account). */
export class ExpandedSet {
  readonly #key: string
  readonly #ids: Set<string>
  readonly #listeners = new Set<(id: string) => void>()

  constructor(accountKey: string) {
    this.#key = `ferry:expanded:${accountKey}`
    let stored: unknown = []
    try {
      stored = JSON.parse(localStorage.getItem(this.#key) ?? '[]')
    } catch {
      stored = []
    }
    this.#ids = new Set(Array.isArray(stored) ? stored.filter((s): s is string => typeof s === 'string') : [])
  }

  has(id: string): boolean {
    return this.#ids.has(id)
  }

  set(id: string, open: boolean): void {
    if (open) this.#ids.add(id)
    else this.#ids.delete(id)
    localStorage.setItem(this.#key, JSON.stringify([...this.#ids]))
    for (const listener of [...this.#listeners]) listener(id)
  }

  /** Called with the id whose state changed. */
  onChange(listener: (id: string) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

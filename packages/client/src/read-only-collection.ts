/**
 * A collection opened from a share link: `Collection`'s reads, and its writes raising
 * `ReadOnly` — so code written against `Collection` fails loudly instead of editing a copy the
 * relay would silently refuse. Live Y types (`Y.Text`, row lists) are not handed out, since
 * they could be edited; their content is in the nodes `tree()` and `get()` answer.
 */
import type { Auth, ChangeInfo, Collection, CollectionSnapshot, Kept, TreeNode } from '@ferry/schema'
import { ReadOnly } from './share-errors.ts'

/** `Collection`'s methods that change the document. */
export type CollectionWrite = 'add' | 'addAll' | 'move' | 'remove' | 'update' | 'setAuth' | 'setKept'

export class ReadOnlyCollection implements Pick<Collection, 'tree' | 'get' | 'snapshot' | 'auth' | 'kept' | 'observe'>, Record<CollectionWrite, (...args: never[]) => never> {
  readonly #collection: Collection

  constructor(collection: Collection) {
    this.#collection = collection
  }

  tree(): TreeNode[] {
    return this.#collection.tree()
  }

  get(id: string): TreeNode | undefined {
    return this.#collection.get(id)
  }

  snapshot(): CollectionSnapshot {
    return this.#collection.snapshot()
  }

  auth(): Auth {
    return this.#collection.auth()
  }

  /** The collection's own scripts, variables and kept fields. */
  kept(): Kept {
    return this.#collection.kept()
  }

  /** The collection-level description (Markdown). */
  description(): string {
    return this.#collection.description.toString()
  }

  /** Calls `cb` after every change the owner makes (live); returns unsubscribe. */
  observe(cb: (change: ChangeInfo) => void): () => void {
    return this.#collection.observe(cb)
  }

  add(..._args: Parameters<Collection['add']>): never {
    throw new ReadOnly('add')
  }

  addAll(..._args: Parameters<Collection['addAll']>): never {
    throw new ReadOnly('addAll')
  }

  move(..._args: Parameters<Collection['move']>): never {
    throw new ReadOnly('move')
  }

  remove(..._args: Parameters<Collection['remove']>): never {
    throw new ReadOnly('remove')
  }

  update(..._args: Parameters<Collection['update']>): never {
    throw new ReadOnly('update')
  }

  setAuth(..._args: Parameters<Collection['setAuth']>): never {
    throw new ReadOnly('setAuth')
  }

  setKept(..._args: Parameters<Collection['setKept']>): never {
    throw new ReadOnly('setKept')
  }
}

/**
 * Collection links, client side (DESIGN.md capability 9).
 *
 * - `Share`: the owner's `createLink(collectionId, options)`, `list()`, `revoke(id)`.
 * - `openSharedCollection(url)`: resolves the link (one use of it) and opens the collection
 *   read-only, in memory only — nothing goes to IndexedDB, under anyone's account — kept live
 *   over the link socket until `close()`. Writes raise `ReadOnly`.
 * - `importSharedCollection(source, workspace)`: copies the collection's current state into a
 *   new collection of `workspace` with new ids, which then syncs as the user's own.
 *
 * A collection doc holds requests and `{{variable}}` references only; variable values live in
 * the owner's environments doc (vault ciphertext), which a link cannot open.
 */
import { docName, type DocName, type UserId } from '@ferry/protocol'
import { Collection } from '@ferry/schema'
import * as Y from 'yjs'
import type { BackoffOptions } from './backoff.ts'
import { RelayError } from './errors.ts'
import { ReadOnlyCollection } from './read-only-collection.ts'
import type { LinkInfo, RelayApi, ShareLink } from './relay-api.ts'
import { LinkUnavailable, type LinkUnavailableCode } from './share-errors.ts'
import { SyncProvider, type WebSocketFactory } from './sync-provider.ts'
import type { SyncStatus } from './sync-status.ts'

export interface ShareOptions {
  readonly relay: RelayApi
  /** The signed-in account whose collections are shared. */
  readonly owner: UserId
  /** A valid access token of `owner` (e.g. `() => client.accounts.accessToken(id)`). */
  readonly accessToken: () => Promise<string>
}

export interface LinkOptions {
  /** When the link stops working; absent: never. */
  readonly expiresAt?: Date | number
  /** How many times the link can be opened; absent: unlimited. */
  readonly maxUses?: number
}

/** The owner's side of collection links. Errors are the relay API's typed errors. */
export class Share {
  readonly #options: ShareOptions

  constructor(options: ShareOptions) {
    this.#options = options
  }

  /** A read-only link to one of the owner's collections. Needs a confirmed email (else `forbidden`). */
  async createLink(collectionId: string, options: LinkOptions = {}): Promise<ShareLink> {
    const { relay, owner, accessToken } = this.#options
    const limits = {
      ...(options.expiresAt !== undefined ? { expiresAt: new Date(options.expiresAt).getTime() } : {}),
      ...(options.maxUses !== undefined ? { maxUses: options.maxUses } : {}),
    }
    return relay.createLink(await accessToken(), docName(owner, 'collection', collectionId), limits)
  }

  /** The owner's links, oldest first, with use counts and state; never their tokens. */
  async list(): Promise<LinkInfo[]> {
    return this.#options.relay.listLinks(await this.#options.accessToken())
  }

  /** Revokes a link: open views of it close at once and it never opens again. */
  async revoke(id: string): Promise<void> {
    await this.#options.relay.revokeLink(await this.#options.accessToken(), id)
  }
}

/** The token in a link URL (`…/#/shared?token=…`), or the argument itself when it is a bare token. */
export function linkToken(url: string): string {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : url.includes('=') ? url : `token=${url}`
  const token = new URLSearchParams(query).get('token')
  if (!token || !/^[A-Za-z0-9_-]{20,200}$/.test(token)) throw new LinkUnavailable('invalid_link', 'This is not a Ferry collection link.')
  return token
}

export interface OpenSharedOptions {
  readonly relay: RelayApi
  /** Default: the global `WebSocket`. */
  readonly createSocket?: WebSocketFactory
  readonly backoff?: BackoffOptions
  /** Where `online` events come from; default none. */
  readonly online?: EventTarget | null
}

const GONE_CODES: readonly string[] = ['unknown_link', 'link_revoked', 'link_expired', 'link_used_up', 'collection_trashed']

function defaultSocket(): WebSocketFactory {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => ReturnType<WebSocketFactory> }).WebSocket
  if (!Ctor) throw new Error('No WebSocket here: pass `createSocket`.')
  return (url) => new Ctor(url)
}

/** `SharedCollection.loaded` fails exactly when its status turns to `error`: nothing is lost by not awaiting it. */
const reportedByStatus = (): void => undefined

/** A collection someone shared, open read-only and live. */
export class SharedCollection {
  readonly docName: DocName
  /** The name the owner gave the collection. */
  readonly name: string
  readonly ownerName: string | null
  readonly collection: ReadOnlyCollection
  /** Resolves once the relay's state arrived; rejects with `LinkUnavailable` if the link stops working first. */
  readonly loaded: Promise<void>
  readonly #doc: Y.Doc
  readonly #provider: SyncProvider

  constructor(resolved: { docName: DocName; collectionName: string; ownerName: string | null; viewerToken: string }, options: OpenSharedOptions) {
    this.docName = resolved.docName
    this.name = resolved.collectionName
    this.ownerName = resolved.ownerName
    this.#doc = new Y.Doc()
    this.collection = new ReadOnlyCollection(new Collection(this.#doc, { recordConflicts: false }))
    this.#provider = new SyncProvider(this.#doc, resolved.docName, {
      url: (name, token) => options.relay.syncUrl(name, token, false),
      token: async () => resolved.viewerToken,
      // A link socket is never refused for an expired token: the viewer token does not expire.
      refreshToken: async () => resolved.viewerToken,
      createSocket: options.createSocket ?? defaultSocket(),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      online: options.online ?? null,
    })
    this.loaded = new Promise((resolve, reject) => {
      const settle = (status: SyncStatus): boolean => {
        if (status.kind === 'in-sync') resolve()
        else if (status.kind === 'error') reject(closedLink(status.reason))
        else return false
        return true
      }
      if (settle(this.#provider.status)) return
      const stop = this.#provider.onStatus((status) => {
        if (settle(status)) stop()
      })
    })
    // Not awaiting `loaded` is fine: `status` reports the same failure. So its rejection is handled here, not lost.
    this.loaded.catch(reportedByStatus)
  }

  /** `in sync` while live; `error (…)` once the owner revoked the link or it expired. */
  get status(): SyncStatus {
    return this.#provider.status
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    return this.#provider.onStatus(listener)
  }

  /** Closes the socket and drops the in-memory copy (a failure to close surfaces as an unhandled rejection). */
  close(): void {
    void this.#provider.destroy()
    this.#doc.destroy()
  }
}

function closedLink(reason: string): LinkUnavailable {
  return new LinkUnavailable('link_closed', `This link no longer works (${reason}).`)
}

/**
 * Opens a shared collection read-only (counts one use of the link).
 * @throws LinkUnavailable (bad URL, unknown, revoked, expired, used up, in the owner's trash) | Offline | RateLimited
 */
export async function openSharedCollection(url: string, options: OpenSharedOptions): Promise<SharedCollection> {
  const token = linkToken(url)
  let resolved
  try {
    resolved = await options.relay.resolveLink(token)
  } catch (error) {
    const code = error instanceof RelayError ? error.relayCode : null
    if (code !== null && GONE_CODES.includes(code)) throw new LinkUnavailable(code as LinkUnavailableCode, (error as Error).message)
    throw error
  }
  return new SharedCollection(resolved, options)
}

/** Where an import goes: the signed-in user's `Workspace` fits. */
export interface ImportTarget {
  /** Creates an empty collection listed under `name`; answers its id. */
  createCollection(name: string): Promise<string>
  collection(id: string): Promise<Collection>
}

/**
 * Copies a shared collection into `workspace` as a new collection (new ids, same name,
 * content as of now) and answers its id. Pass an open `SharedCollection` to copy what is on
 * screen without spending another use of the link.
 */
export async function importSharedCollection(source: string | SharedCollection, workspace: ImportTarget, options?: OpenSharedOptions): Promise<string> {
  let shared: SharedCollection
  if (typeof source === 'string') {
    if (!options) throw new TypeError('importSharedCollection(url, …) needs the relay options')
    shared = await openSharedCollection(source, options)
  } else {
    shared = source
  }
  try {
    await shared.loaded
    const snapshot = shared.collection.snapshot()
    const id = await workspace.createCollection(shared.name)
    const copy = await workspace.collection(id)
    copy.doc.transact(() => {
      if (snapshot.items.length > 0) copy.addAll(snapshot.items)
      copy.setAuth(snapshot.auth)
      copy.description.insert(0, snapshot.description)
      copy.setKept(snapshot)
    })
    return id
  } finally {
    if (shared !== source) shared.close()
  }
}

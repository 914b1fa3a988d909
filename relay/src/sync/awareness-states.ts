/**
 * The relay's view of a room's awareness (cursors, user names): the latest state per client
 * id, kept as the JSON text clients sent. The relay enforces what the stock y-protocols
 * server does not: a socket may only set the client ids it claimed first (at most
 * {@link MAX_CLIENT_IDS_PER_SESSION}), every state must be valid JSON within the size cap, and
 * a socket's states are cleared when it leaves.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** A provider normally uses one client id; a few more allow a doc that was reset. */
export const MAX_CLIENT_IDS_PER_SESSION = 4

export interface AwarenessEntry {
  readonly clientId: number
  readonly clock: number
  /** JSON text; `'null'` removes the client's state. */
  readonly state: string
}

export class AwarenessError extends Error {
  override name = 'AwarenessError'
  constructor(readonly code: 'malformed' | 'too-large' | 'not-owner') {
    super(`awareness update rejected: ${code}`)
  }
}

/** Decodes an awareness update; throws `AwarenessError('malformed')` on anything invalid. */
export function decodeAwareness(update: Uint8Array, maxStateBytes: number): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update)
  try {
    const count = decoding.readVarUint(decoder)
    const entries: AwarenessEntry[] = []
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder)
      const clock = decoding.readVarUint(decoder)
      const length = decoding.peekVarUint(decoder)
      if (length > maxStateBytes) throw new AwarenessError('too-large')
      if (length > decoder.arr.length - decoder.pos) throw new AwarenessError('malformed')
      const state = decoding.readVarString(decoder)
      JSON.parse(state)
      entries.push({ clientId, clock, state })
    }
    if (decoding.hasContent(decoder)) throw new AwarenessError('malformed')
    return entries
  } catch (error) {
    throw error instanceof AwarenessError ? error : new AwarenessError('malformed')
  }
}

export function encodeAwareness(entries: Iterable<AwarenessEntry>): Uint8Array {
  const list = [...entries]
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, list.length)
  for (const entry of list) {
    encoding.writeVarUint(encoder, entry.clientId)
    encoding.writeVarUint(encoder, entry.clock)
    encoding.writeVarString(encoder, entry.state)
  }
  return encoding.toUint8Array(encoder)
}

interface Tables<Owner> {
  readonly entries: Map<number, AwarenessEntry>
  /** Who set each client id: a socket here, or null for a socket on another relay instance. */
  readonly owners: Map<number, Owner | null>
  readonly claims: Map<Owner, Set<number>>
}

export class AwarenessStates<Owner> {
  /** Created on first use: most loaded docs never see awareness, and idle docs are many. */
  #tables: Tables<Owner> | null = null

  get #t(): Tables<Owner> {
    this.#tables ??= { entries: new Map(), owners: new Map(), claims: new Map() }
    return this.#tables
  }

  /** Current states (without removed ones), for a joining or querying client. */
  get states(): AwarenessEntry[] {
    if (!this.#tables) return []
    return [...this.#tables.entries.values()].filter((e) => e.state !== 'null')
  }

  /** Current states set by sockets on this instance: the answer to another instance's query. */
  get ownStates(): AwarenessEntry[] {
    const tables = this.#tables
    if (!tables) return []
    return [...tables.entries.values()].filter((e) => e.state !== 'null' && (tables.owners.get(e.clientId) ?? null) !== null)
  }

  /**
   * Applies the entries `owner` may set (all of them when `owner` is null: another relay
   * instance) and returns those. Entries for a client id another socket owns — here or on
   * another instance — are dropped, not refused: the stock provider re-broadcasts every
   * awareness change it applies, other clients' included, so they are echoes. A removal of an
   * id nobody owns is dropped too, so echoing a departed client's removal never makes the
   * echoer its owner. Throws `not-owner` when one socket claims more client ids than a
   * session may hold.
   */
  apply(owner: Owner | null, entries: readonly AwarenessEntry[]): AwarenessEntry[] {
    const accepted = owner === null ? this.#remote(entries) : this.#claim(owner, entries)
    for (const entry of accepted) {
      const known = this.#t.entries.get(entry.clientId)
      if (!known || known.clock < entry.clock || (known.clock === entry.clock && entry.state === 'null')) {
        this.#t.entries.set(entry.clientId, entry)
      }
    }
    return [...accepted]
  }

  /** Another instance's entries: their ids are its sockets' until it removes them. */
  #remote(entries: readonly AwarenessEntry[]): readonly AwarenessEntry[] {
    const owners = this.#t.owners
    for (const { clientId, state } of entries) {
      if (owners.has(clientId) && owners.get(clientId) !== null) continue
      if (state === 'null') owners.delete(clientId)
      else owners.set(clientId, null)
    }
    return entries
  }

  #claim(owner: Owner, entries: readonly AwarenessEntry[]): readonly AwarenessEntry[] {
    const claims = this.#t.claims.get(owner) ?? new Set<number>()
    const accepted = entries.filter(({ clientId, state }) => {
      const current = this.#t.owners.get(clientId)
      if (current === undefined) return state !== 'null'
      return current === owner
    })
    for (const { clientId } of accepted) claims.add(clientId)
    if (claims.size > MAX_CLIENT_IDS_PER_SESSION) throw new AwarenessError('not-owner')
    this.#t.claims.set(owner, claims)
    for (const clientId of claims) this.#t.owners.set(clientId, owner)
    return accepted
  }

  /** Forgets `owner`'s client ids and returns the removal update to send to the others (or null). */
  release(owner: Owner): Uint8Array | null {
    const tables = this.#tables
    const claims = tables?.claims.get(owner)
    if (!tables || !claims) return null
    tables.claims.delete(owner)
    const removed: AwarenessEntry[] = []
    for (const clientId of claims) {
      tables.owners.delete(clientId)
      const known = tables.entries.get(clientId)
      tables.entries.delete(clientId)
      if (known && known.state !== 'null') removed.push({ clientId, clock: known.clock + 1, state: 'null' })
    }
    return removed.length > 0 ? encodeAwareness(removed) : null
  }
}

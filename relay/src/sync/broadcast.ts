/**
 * `Broadcast`: how relay instances that serve the same doc hear each other. A room sends the
 * frames it accepted from its own clients, asks the others for what it lacks once it has
 * loaded (a sync step 1 and an awareness query), answers their questions to the asker alone,
 * and applies the frames other instances send. Control messages (revoking a share link,
 * deleting a doc, ended sessions) go to every other instance. The in-process implementation connects the instances of one process
 * through a shared {@link BroadcastHub} (one relay alone: a hub of one, so publishing is a
 * no-op); `RedisBroadcast` connects processes over Redis pub/sub.
 */
import { randomBytes } from 'node:crypto'
import { isDocName, isUserId, type DocName, type UserId } from '@ferry/protocol'

/** A random id per broadcast endpoint (per relay instance), 16 bytes as hex. */
export type InstanceId = string & { readonly __brand: 'InstanceId' }

export const newInstanceId = (): InstanceId => randomBytes(16).toString('hex') as InstanceId

/**
 * A frame (y-websocket framing) another instance published for a doc, who sent it, and
 * whether it was addressed to this instance alone (an answer) rather than to everyone.
 */
export type FrameListener = (frame: Uint8Array, from: InstanceId, direct: boolean) => void

/** Longest grant id a control message may carry (link grants are `link:<22 chars>`). */
export const MAX_GRANT_ID_LENGTH = 128

/** Longest user id a control message may carry (ids are 22 characters). */
export const MAX_USER_ID_LENGTH = 128

/** Longest close reason a control message may carry (a WebSocket close reason is at most 123 bytes). */
const MAX_CLOSE_REASON_BYTES = 123

/**
 * What instances tell each other outside any doc: close a grant's sockets, close the share-link
 * viewers of a doc (its collection went to the owner's trash) with a code and reason, drop a
 * deleted doc's rooms (or every room of a deleted account's docs), or check the sessions of a
 * user's sockets (some of them ended: sign-out, reset, replayed refresh token, revoked device).
 */
export type ControlMessage =
  | { readonly kind: 'revoke'; readonly grantId: string }
  | { readonly kind: 'close-viewers'; readonly doc: DocName; readonly code: number; readonly reason: string }
  | { readonly kind: 'delete'; readonly doc: DocName }
  | { readonly kind: 'delete-owned'; readonly owner: UserId }
  | { readonly kind: 'sessions'; readonly userId: string }

export type ControlListener = (message: ControlMessage) => void

export interface Broadcast {
  readonly id: InstanceId
  /**
   * Delivers `frame` to `doc`'s rooms on other instances — all of them, or only instance `to`
   * (an answer to its question). Delivery is at most once, in order per sender.
   */
  publish(doc: DocName, frame: Uint8Array, to?: InstanceId): void
  /**
   * Listens for frames other instances publish for `doc` (one listener per doc per instance);
   * resolves once frames published from now on will be heard, with the unsubscribe function.
   */
  subscribe(doc: DocName, listener: FrameListener): Promise<() => void>
  /** Delivers `message` to every other instance. */
  publishControl(message: ControlMessage): void
  onControl(listener: ControlListener): void
  /**
   * Called when this instance may have missed frames (its subscriptions were re-established
   * after a lost connection): loaded rooms ask the others again.
   */
  onResume(listener: () => void): void
  /** Resolves while the broadcast can deliver; rejects with the reason otherwise (`/healthz`). */
  ping(): Promise<void>
  close(): Promise<void>
}

/** Checks a control message that came from outside this process. */
export function parseControl(value: unknown): ControlMessage | null {
  if (typeof value !== 'object' || value === null) return null
  const { kind, grantId, doc, userId } = value as Record<string, unknown>
  if (kind === 'delete') return isDocName(doc) ? { kind, doc } : null
  if (kind === 'close-viewers') {
    const { code, reason } = value as Record<string, unknown>
    if (!isDocName(doc) || typeof code !== 'number' || !Number.isInteger(code) || code < 4000 || code > 4999) return null
    return typeof reason === 'string' && Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES ? { kind, doc, code, reason } : null
  }
  if (kind === 'delete-owned') {
    const { owner } = value as Record<string, unknown>
    return typeof owner === 'string' && isUserId(owner) ? { kind, owner } : null
  }
  if (kind === 'sessions') return typeof userId === 'string' && userId.length > 0 && userId.length <= MAX_USER_ID_LENGTH ? { kind, userId } : null
  if (kind !== 'revoke' || typeof grantId !== 'string' || grantId.length === 0 || grantId.length > MAX_GRANT_ID_LENGTH) return null
  return { kind, grantId }
}

/** Connects the in-process broadcasts created on it. */
export class BroadcastHub {
  readonly endpoints = new Set<InProcessBroadcast>()
}

/**
 * One instance's endpoint on a {@link BroadcastHub}. Listeners live in a plain map per
 * endpoint (one entry per loaded doc), and publishing walks the hub's few endpoints.
 * Delivery is synchronous.
 */
export class InProcessBroadcast implements Broadcast {
  readonly id = newInstanceId()
  readonly #hub: BroadcastHub
  readonly #listeners = new Map<DocName, FrameListener>()
  readonly #control: ControlListener[] = []

  constructor(hub = new BroadcastHub()) {
    this.#hub = hub
    hub.endpoints.add(this)
  }

  publish(doc: DocName, frame: Uint8Array, to?: InstanceId): void {
    for (const endpoint of this.#hub.endpoints) {
      if (endpoint !== this && (to === undefined || endpoint.id === to)) endpoint.#listeners.get(doc)?.(frame, this.id, to !== undefined)
    }
  }

  async subscribe(doc: DocName, listener: FrameListener): Promise<() => void> {
    this.#listeners.set(doc, listener)
    return () => {
      if (this.#listeners.get(doc) === listener) this.#listeners.delete(doc)
    }
  }

  publishControl(message: ControlMessage): void {
    for (const endpoint of this.#hub.endpoints) {
      if (endpoint !== this) for (const listener of endpoint.#control) listener(message)
    }
  }

  onControl(listener: ControlListener): void {
    this.#control.push(listener)
  }

  /** The hub never loses frames, so it never resumes. */
  onResume(): void {}

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#listeners.clear()
    this.#control.length = 0
    this.#hub.endpoints.delete(this)
  }
}

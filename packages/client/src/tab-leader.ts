/**
 * Leader election between the tabs of one browser, so only one tab holds the relay socket of
 * a doc. With the Web Locks API the leader is whoever holds an exclusive lock (released by the
 * browser when the tab dies). Where Web Locks are missing (Node, old browsers) a small protocol
 * over BroadcastChannel does the same job: a newcomer asks who leads, the leader answers and
 * sends a heartbeat, the smaller id wins a tie, and a silent leader is replaced.
 */
import { Emitter } from './emitter.ts'
import { webLocks, type LockManagerLike } from './web-locks.ts'

export interface LeaderElection {
  readonly isLeader: boolean
  /** Called with `true` when this tab becomes the leader and `false` when it stops being it. */
  onChange(listener: (isLeader: boolean) => void): () => void
  /** Leaves the election (releasing leadership at once). */
  destroy(): void
}

export interface ElectionTimings {
  /** How long a newcomer waits for a leader to answer before leading itself, ms; default 100. */
  readonly discoveryMs?: number
  /** Leader heartbeat interval, ms; default 1 000. A leader silent for 3 intervals is replaced. */
  readonly heartbeatMs?: number
}

type ElectionEvents = { change: boolean }

/** Elects with Web Locks when the browser has them, else over BroadcastChannel. */
export function electLeader(name: string, timings: ElectionTimings = {}): LeaderElection {
  const locks = webLocks()
  return locks ? new WebLockElection(locks, name) : new BroadcastElection(name, timings)
}

class WebLockElection implements LeaderElection {
  readonly #events = new Emitter<ElectionEvents>()
  readonly #abort = new AbortController()
  #release: (() => void) | null = null
  isLeader = false

  constructor(locks: LockManagerLike, name: string) {
    locks
      .request(name, { signal: this.#abort.signal }, () => {
        this.isLeader = true
        this.#events.emit('change', true)
        return new Promise<void>((resolve) => (this.#release = resolve))
      })
      .catch((error: unknown) => {
        // Aborted by destroy() while waiting for the lock: expected. Anything else surfaces as an unhandled rejection.
        if (!this.#abort.signal.aborted) throw error
      })
  }

  onChange(listener: (isLeader: boolean) => void): () => void {
    return this.#events.on('change', listener)
  }

  destroy(): void {
    this.#abort.abort()
    this.#release?.()
    if (this.isLeader) {
      this.isLeader = false
      this.#events.emit('change', false)
    }
    this.#events.clear()
  }
}

type ElectionMessage = { type: 'hello' } | { type: 'leader'; id: string } | { type: 'bye'; id: string }

class BroadcastElection implements LeaderElection {
  readonly #events = new Emitter<ElectionEvents>()
  readonly #channel: BroadcastChannel
  readonly #id = crypto.randomUUID()
  readonly #discoveryMs: number
  readonly #heartbeatMs: number
  #state: 'candidate' | 'leader' | 'follower' = 'candidate'
  #timer: ReturnType<typeof setTimeout> | null = null

  constructor(name: string, timings: ElectionTimings) {
    this.#discoveryMs = timings.discoveryMs ?? 100
    this.#heartbeatMs = timings.heartbeatMs ?? 1_000
    this.#channel = new BroadcastChannel(`ferry-leader:${name}`)
    this.#channel.onmessage = (event: MessageEvent<ElectionMessage>) => this.#receive(event.data)
    this.#campaign()
  }

  get isLeader(): boolean {
    return this.#state === 'leader'
  }

  onChange(listener: (isLeader: boolean) => void): () => void {
    return this.#events.on('change', listener)
  }

  destroy(): void {
    this.#clearTimer()
    if (this.#state === 'leader') {
      this.#channel.postMessage({ type: 'bye', id: this.#id } satisfies ElectionMessage)
      this.#state = 'follower'
      this.#events.emit('change', false)
    }
    this.#channel.close()
    this.#events.clear()
  }

  #campaign(): void {
    this.#state = 'candidate'
    this.#channel.postMessage({ type: 'hello' } satisfies ElectionMessage)
    this.#schedule(this.#discoveryMs, () => this.#lead())
  }

  #lead(): void {
    const was = this.#state
    this.#state = 'leader'
    this.#channel.postMessage({ type: 'leader', id: this.#id } satisfies ElectionMessage)
    this.#schedule(this.#heartbeatMs, () => this.#lead())
    if (was !== 'leader') this.#events.emit('change', true)
  }

  #follow(): void {
    const was = this.#state
    this.#state = 'follower'
    this.#schedule(this.#heartbeatMs * 3, () => this.#campaign())
    if (was === 'leader') this.#events.emit('change', false)
  }

  #receive(message: ElectionMessage): void {
    if (message.type === 'hello') {
      if (this.#state === 'leader') this.#channel.postMessage({ type: 'leader', id: this.#id } satisfies ElectionMessage)
    } else if (message.type === 'leader') {
      // Two leaders (a race at start or after a silent leader): the smaller id keeps leading.
      if (this.#state !== 'leader' || message.id < this.#id) this.#follow()
      else if (message.id > this.#id) this.#channel.postMessage({ type: 'leader', id: this.#id } satisfies ElectionMessage)
    } else if (message.type === 'bye' && this.#state === 'follower') {
      this.#campaign()
    }
  }

  #schedule(ms: number, fn: () => void): void {
    this.#clearTimer()
    this.#timer = setTimeout(fn, ms)
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }
}

/**
 * Detects a relay that went silent on one socket (browsers do not expose pings): after
 * `idleMs` with nothing received it asks for a probe, and when nothing at all arrives within
 * `timeoutMs` after that — or a socket is still not open after `idleMs + timeoutMs` — it calls
 * `silent`, and the transport drops the socket and reconnects. See `LivenessOptions`.
 */
import type { LivenessOptions } from './types.ts'

export class Liveness {
  readonly #options: LivenessOptions | null
  /** Sends a probe if the socket is open; the transport knows what a probe is on its socket. */
  readonly #probe: () => void
  readonly #silent: () => void
  #timer: ReturnType<typeof setTimeout> | null = null
  /** When the socket last carried anything (or was created), ms. */
  #heardAt = 0
  /** When the pending probe went out (or the open deadline started); null when none is pending. */
  #probeAt: number | null = null

  constructor(options: LivenessOptions | null, probe: () => void, silent: () => void) {
    this.#options = options
    this.#probe = probe
    this.#silent = silent
  }

  /** A new socket: counts as heard now, and the watch starts over. */
  start(): void {
    this.heard()
    this.#arm(0)
  }

  heard(): void {
    this.#heardAt = Date.now()
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  /** (Re)starts the check, `delay` ms from now (0: a fresh idle period). */
  #arm(delay: number): void {
    this.stop()
    if (this.#options === null) return
    if (delay === 0) {
      this.#probeAt = null
      delay = this.#options.idleMs
    }
    this.#timer = setTimeout(this.#check, delay)
  }

  readonly #check = (): void => {
    this.#timer = null
    const options = this.#options
    if (options === null) return
    const now = Date.now()
    if (this.#probeAt !== null) {
      if (this.#heardAt >= this.#probeAt) this.#probeAt = null
      else if (now - this.#probeAt >= options.timeoutMs) return this.#silent()
      else return this.#arm(this.#probeAt + options.timeoutMs - now)
    }
    const quiet = now - this.#heardAt
    if (quiet < options.idleMs) return this.#arm(options.idleMs - quiet)
    // Quiet for idleMs: ask (or, while still opening, give it timeoutMs more).
    this.#probeAt = now
    this.#probe()
    this.#arm(options.timeoutMs)
  }
}

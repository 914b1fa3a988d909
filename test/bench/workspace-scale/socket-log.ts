/**
 * What the benchmark counts about one device's sockets: how many it opened, how many were open
 * at once (sockets per account per browser), and every close and refusal after a given moment
 * — a relay turning connections away (4529, 1013), a doc refused on Ferry's multiplexed socket
 * (its `refused` control frame), a doc Hocuspocus refused (authentication failed).
 */
import { WebSocket } from 'ws'
import { decodeMuxFrame } from '@ferry/protocol'

export interface Refusal {
  readonly what: string
  readonly code: number
  readonly reason: string
  readonly at: number
}

export class SocketLog {
  opened = 0
  /** Of `opened`, sockets that were not a Ferry mux socket (Hocuspocus', or Ferry's per-doc ones). */
  openedOther = 0
  open = 0
  peak = 0
  readonly closes: Refusal[] = []
  readonly refusals: Refusal[] = []
  /** Moments of a device's sync, for the timeline: sockets opening, Ferry's `open` control frames sent (with their doc counts). */
  readonly marks: { what: string; at: number }[] = []
  /** When the last frame arrived. */
  lastFrameAt = 0

  /** Counts `ws` (a Ferry mux socket when `mux`: its refused control frames are read too). */
  track(ws: WebSocket, mux: boolean): void {
    this.opened++
    if (!mux) this.openedOther++
    this.open++
    this.peak = Math.max(this.peak, this.open)
    ws.on('error', () => undefined)
    ws.on('open', () => this.mark('socket open'))
    ws.on('message', () => (this.lastFrameAt = performance.now()))
    ws.on('close', (code: number, reason: Buffer) => {
      this.open--
      this.closes.push({ what: 'socket', code, reason: reason.toString(), at: performance.now() })
    })
    if (!mux) return
    const send = ws.send.bind(ws) as (...args: unknown[]) => void
    ws.send = ((data: Uint8Array, ...rest: unknown[]) => {
      if (data[0] === 0 && data[1] === 0) {
        const frame = decodeMuxFrame(data)
        const docs = frame.ok && frame.value.channel === 'control' && frame.value.message.type === 'open' ? frame.value.message.docs.length : 0
        this.mark(`open of ${docs} docs sent`)
      }
      send(data, ...rest)
    }) as typeof ws.send
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      // The client sets `binaryType` to 'arraybuffer', which `ws` applies to every listener.
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : Array.isArray(data) ? Buffer.concat(data) : data
      // Control channel (empty doc name: byte 0), control type 3: refused. Nothing else is decoded.
      if (bytes[0] !== 0 || bytes[1] !== 3) return
      const frame = decodeMuxFrame(new Uint8Array(bytes))
      if (frame.ok && frame.value.channel === 'control' && frame.value.message.type === 'refused') {
        const { docName, code, reason } = frame.value.message
        this.refusals.push({ what: docName, code, reason, at: performance.now() })
      }
    })
  }

  mark(what: string): void {
    this.marks.push({ what, at: performance.now() })
  }

  /** The marks since `since`, in ms after it, and the last frame's arrival. */
  timeline(since: number): Record<string, number> {
    const out: Record<string, number> = {}
    for (const { what, at } of this.marks) {
      if (at < since) continue
      let key = what
      for (let n = 2; key in out; n++) key = `${what} (${n})`
      out[key] = Math.round(at - since)
    }
    if (this.lastFrameAt >= since) out['last frame received'] = Math.round(this.lastFrameAt - since)
    return out
  }

  /** Starts a new "most open at once" from now; answers the previous one. */
  resetPeak(): number {
    const peak = this.peak
    this.peak = this.open
    return peak
  }

  refuse(what: string, reason: string): void {
    this.refusals.push({ what, code: 0, reason, at: performance.now() })
  }

  /**
   * Since `since` (performance.now()): every close, and the refusals — closes the client did not
   * ask for (any code but 1000/1005) and refused docs.
   */
  since(since: number): { closes: Refusal[]; refusals: Refusal[] } {
    const closes = this.closes.filter((c) => c.at >= since)
    const refused = closes.filter((c) => c.code !== 1000 && c.code !== 1005)
    return { closes, refusals: [...refused, ...this.refusals.filter((r) => r.at >= since)] }
  }
}

/**
 * Preloaded (`--import`) into each server process the workspace-scale benchmark starts, so the
 * parent can ask over IPC for a full garbage collection (the process runs with `--expose-gc`)
 * followed by its memory figures. Nothing else in the server knows it is there; without an IPC
 * channel it does nothing.
 */
import { memoryAfterGc } from '../process-measure.ts'

export interface ProbeReply {
  type: 'probe'
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
}

if (process.send) {
  process.on('message', (message: { type?: string }) => {
    if (message?.type !== 'probe') return
    const { rss, heapUsed, external, arrayBuffers } = memoryAfterGc()
    process.send!({ type: 'probe', rss, heapUsed, external, arrayBuffers } satisfies ProbeReply)
  })
  // The channel must not keep a server that was told to stop alive.
  process.channel?.unref()
}

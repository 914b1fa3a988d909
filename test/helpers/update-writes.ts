/**
 * Writing one Yjs update to a relay doc over its own `/v1/sync` socket and telling whether the
 * relay stored it or refused it (the close), for the attack tests that send crafted updates.
 */
import * as Y from 'yjs'
import { covers, rawClient, syncUrl } from './sync-clients.ts'

export type Outcome = { accepted: true } | { accepted: false; code: number; reason: string }

/** A few bytes of honest typing. */
export function honestEdit(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('body').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

/** Sends `update` to `name` on a socket of its own: accepted once stored, or refused with the close. */
export async function write(wsUrl: string, token: string, name: string, update: Uint8Array): Promise<Outcome> {
  const client = await rawClient(syncUrl(wsUrl, name, token, true))
  const closed = new Promise<Outcome>((resolve) => client.ws.on('close', (code, reason) => resolve({ accepted: false, code, reason: reason.toString() })))
  const stateVector = Y.encodeStateVectorFromUpdate(update)
  const stored = (async (): Promise<Outcome> => {
    for (;;) {
      const ack = await client.next('persisted', 120_000)
      if (covers(ack.stateVector, stateVector)) return { accepted: true }
    }
  })()
  client.send({ type: 'sync-update', update })
  const outcome = await Promise.race([stored, closed])
  client.close()
  stored.catch(() => undefined)
  return outcome
}

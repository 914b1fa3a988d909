/**
 * An update the relay itself brings to a doc (an account backup being restored) goes the way a
 * device's does: into the doc's room, which checks the owner's quota, applies it, relays it to
 * every socket on the doc here and on the other instances, and stores it with its group commit.
 * The caller waits for the commit, so what it answers is stored. The room sees it as a member
 * that joins quietly, never receives anything and leaves once its update is acknowledged.
 */
import type { DocName } from '@ferry/protocol'
import { CloseCode } from '@ferry/protocol'
import { isGone } from '../storage/doc-store.ts'
import { isLimit, refusalOf } from './refusal.ts'
import type { RoomMember } from './room.ts'
import type { Rooms } from './rooms.ts'

/** `stored`: applied (or held already) and durable; `gone`: the doc was deleted for good; `refused`: the room refused it (the owner's quota, or its apply time spent). */
export type ServerEditOutcome = { readonly kind: 'stored' } | { readonly kind: 'gone' } | { readonly kind: 'refused'; readonly reason: string }

export async function applyAsServer(rooms: Rooms, name: DocName, update: Uint8Array): Promise<ServerEditOutcome> {
  let settle!: (outcome: ServerEditOutcome) => void
  const settled = new Promise<ServerEditOutcome>((resolve) => (settle = resolve))
  const member: RoomMember = {
    wantsAck: true,
    readOnly: false,
    quietJoin: true,
    sessionId: null,
    send: () => undefined,
    close: (code, reason) => settle(code === CloseCode.Gone ? { kind: 'gone' } : { kind: 'refused', reason }),
    persisted: () => settle({ kind: 'stored' }),
  }
  let room
  try {
    room = await rooms.join(name, member)
  } catch (error) {
    if (isGone(error)) return { kind: 'gone' }
    throw error
  }
  try {
    room.applyUpdate(member, update, null)
    return await settled
  } catch (error) {
    // Refused on the spot as a device's edit would be, with the same reason — the owner spent
    // its apply time (a restore counts as its devices' edits do), the relay is short of memory,
    // the doc would grow past its limit: what came before it stays, and the report says why.
    // Anything else is a fault (a restore's updates were checked when its file was read).
    if (!isLimit(error)) throw error
    return { kind: 'refused', reason: refusalOf(error).reason }
  } finally {
    rooms.leave(room, member)
  }
}

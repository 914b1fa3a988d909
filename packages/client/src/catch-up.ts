/**
 * What a device sends after offline work, in pieces: everything the relay lacks
 * (`Y.encodeStateAsUpdate(doc, relayStateVector)`) when that is small, otherwise one update per
 * group of Yjs clients (each page load that edited is its own client id), grouped up to
 * `pieceBytes`. Every piece is a valid update on its own; a piece that refers to another
 * piece's items waits in the relay's doc (Yjs keeps it pending) until that one arrives, and a
 * relay only acknowledges what is integrated. One client's work larger than `pieceBytes` stays
 * one piece: it goes over the wire in fragments, up to the relay's reassembly cap.
 */
import * as Y from 'yjs'

/** Catch-ups larger than this are split by client. */
export const CATCH_UP_PIECE_BYTES = 1024 * 1024

export function catchUpUpdates(doc: Y.Doc, relayStateVector: Uint8Array, pieceBytes = CATCH_UP_PIECE_BYTES): Uint8Array[] {
  const whole = Y.encodeStateAsUpdate(doc, relayStateVector)
  if (whole.length <= pieceBytes) return [whole]
  const relay = Y.decodeStateVector(relayStateVector)
  const local = Y.decodeStateVector(Y.encodeStateVector(doc))
  const behind = [...local].filter(([client, clock]) => (relay.get(client) ?? 0) < clock).map(([client]) => client)
  if (behind.length <= 1) return [whole]
  /** The structs of `clients` the relay lacks (and, as every encoding does, the whole delete set). */
  const encodeFor = (clients: readonly number[]): Uint8Array => {
    const target = new Map(local)
    for (const client of clients) target.set(client, relay.get(client) ?? 0)
    return Y.encodeStateAsUpdate(doc, Y.encodeStateVector(target))
  }
  // Each client's share of the whole, estimated from its decoded structs: encoding once per
  // client would cost the whole doc per client (a v1 doc can have a client per seeded field).
  const size = new Map<number, number>()
  for (const struct of Y.decodeUpdate(whole).structs) size.set(struct.id.client, (size.get(struct.id.client) ?? 0) + structBytes(struct))
  const groups: number[][] = []
  let group: number[] = []
  let bytes = 0
  for (const client of behind) {
    const own = size.get(client) ?? 0
    if (group.length > 0 && bytes + own > pieceBytes) {
      groups.push(group)
      group = []
      bytes = 0
    }
    group.push(client)
    bytes += own
  }
  groups.push(group)
  return groups.length === 1 ? [whole] : groups.map(encodeFor)
}

/** About how many bytes a decoded struct takes in an update (its content plus a header). */
function structBytes(struct: Y.Item | Y.GC | Y.Skip): number {
  if (!(struct instanceof Y.Item)) return 4
  const content = struct.content
  if (content instanceof Y.ContentString) return 12 + content.str.length * 3
  if (content instanceof Y.ContentBinary) return 12 + content.content.length
  if (content instanceof Y.ContentAny) return 12 + JSON.stringify(content.arr).length
  return 16
}

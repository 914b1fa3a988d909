/**
 * Test and benchmark support: writes items in the layout of schema v1 (names, URLs, row
 * cells and auth as plain strings; bodies and descriptions already texts), the way the v1
 * release wrote them — to measure v2 against it and to mix v1 items into merge tests. The
 * fixtures in fixtures/v1 are the v1 release's own bytes; this writer must match them.
 */
import * as Y from 'yjs'
import type { KeyValue, NodeInput } from './model.ts'
import { keyBetween } from './order.ts'
import { createId, type RandomSource } from './random.ts'

const text = (s = ''): Y.Text => {
  const t = new Y.Text()
  if (s) t.insert(0, s)
  return t
}

const rows = (list: readonly Partial<KeyValue>[] = []): Y.Array<unknown> => {
  const array = new Y.Array<unknown>()
  array.insert(0, list.map((r) => new Y.Map<unknown>(Object.entries({ key: r.key ?? '', value: r.value ?? '', enabled: r.enabled ?? true }))))
  return array
}

/** One v1 item map for `input` (children not included). */
export function v1Item(input: NodeInput, parentId: string | null, order: string): Y.Map<unknown> {
  const map = new Y.Map<unknown>()
  map.set('kind', input.kind)
  map.set('position', { parentId, order })
  map.set('name', input.name ?? '')
  map.set('auth', input.auth ?? { type: 'inherit' })
  map.set('description', text(input.description))
  if (input.kind === 'request') {
    map.set('method', input.method ?? 'GET')
    map.set('url', input.url ?? '')
    map.set('params', rows(input.params))
    map.set('headers', rows(input.headers))
    map.set('bodyMode', input.body?.mode ?? 'none')
    map.set('bodyLanguage', input.body?.language ?? 'text')
    map.set('bodyRaw', text(input.body?.raw))
    map.set('bodyFields', rows(input.body?.fields))
  }
  return map
}

/** Writes `inputs` (with their children) at the root of a collection doc in the v1 layout. */
export function writeV1Items(doc: Y.Doc, inputs: readonly NodeInput[], random: RandomSource): string[] {
  const items = doc.getMap('items')
  const ids: string[] = []
  doc.transact(() => {
    const pending: { input: NodeInput; parentId: string | null; order: string; top: boolean }[] = []
    let order: string | null = null
    for (const input of inputs) pending.push({ input, parentId: null, order: (order = keyBetween(order, null, random)), top: true })
    while (pending.length > 0) {
      const { input, parentId, order: at, top } = pending.pop()!
      const id = createId(random)
      if (top) ids.push(id)
      items.set(id, v1Item(input, parentId, at))
      if (input.kind !== 'folder') continue
      let child: string | null = null
      for (const c of input.children ?? []) pending.push({ input: c, parentId: id, order: (child = keyBetween(child, null, random)), top: false })
    }
  })
  return ids
}

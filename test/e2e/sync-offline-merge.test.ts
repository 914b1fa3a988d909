/**
 * Offline merge through the relay: two devices edit while disconnected, reconnect in either
 * order, converge, and the relay's stored state (read back after a restart) equals theirs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { WebsocketProvider } from 'y-websocket'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { readStoredDoc, stockProvider, synced } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

const DOC = 'alice:collection:shared'

function edit(doc: Y.Doc, device: string): void {
  const items = doc.getMap('items')
  for (let i = 0; i < 20; i++) items.set(`${device}-${i}`, { name: `${device} request ${i}` })
  items.set('conflict', device)
  doc.getText('description').insert(0, `[${device}]`)
}

async function storedState(relay: TestRelay): Promise<Y.Doc> {
  return readStoredDoc(relay.wsUrl, DOC, await sessionToken(relay, 'alice'))
}

describe.each([['laptop first'], ['phone first']])('offline merge, %s', (order) => {
  let relay: TestRelay
  const providers: WebsocketProvider[] = []
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy()
    await relay.close(true)
  })

  it('converges both devices and the stored doc', async () => {
    relay = await startRelay()
    const token = await sessionToken(relay, 'alice')
    const laptop = stockProvider(relay.wsUrl, DOC, token)
    const phone = stockProvider(relay.wsUrl, DOC, token)
    providers.push(laptop, phone)
    await Promise.all([synced(laptop), synced(phone)])
    laptop.doc.getMap('items').set('base', 'shared before going offline')
    await vi.waitFor(() => expect(phone.doc.getMap('items').get('base')).toBeDefined(), 5_000)

    laptop.disconnect()
    phone.disconnect()
    edit(laptop.doc, 'laptop')
    edit(phone.doc, 'phone')

    const [first, second] = order === 'laptop first' ? [laptop, phone] : [phone, laptop]
    first.connect()
    await synced(first)
    second.connect()
    await synced(second)
    await vi.waitFor(() => {
      expect(laptop.doc.getMap('items').toJSON()).toEqual(phone.doc.getMap('items').toJSON())
      expect(laptop.doc.getText('description').toString()).toBe(phone.doc.getText('description').toString())
    }, 5_000)
    expect(laptop.doc.getMap('items').size).toBe(42)

    await relay.app.sync.flush()
    const dataDir = relay.dataDir
    for (const p of providers.splice(0)) p.destroy()
    await relay.close()
    relay = await startRelay({}, dataDir)
    const stored = await storedState(relay)
    expect(stored.getMap('items').toJSON()).toEqual(laptop.doc.getMap('items').toJSON())
    expect(stored.getText('description').toString()).toBe(laptop.doc.getText('description').toString())
  })
})

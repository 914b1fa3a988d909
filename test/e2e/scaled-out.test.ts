/**
 * Ferry scaled out: two relays on one PostgreSQL database and one Redis, as two hosts behind a
 * load balancer would run. What a user notices: an account made through one relay signs in
 * through the other, devices connected to different relays edit one collection live, and a
 * relay started later on the same database serves everything the others acknowledged.
 */
import { describe, expect, it, vi } from 'vitest'
import { inSync, PASSWORD, signUp } from '../helpers/client-app.ts'
import { skipScaledOut, useScaledOut } from '../helpers/scaled-out.ts'

describe.skipIf(skipScaledOut)('two relays on PostgreSQL and Redis', { timeout: 90_000 }, () => {
  const { relay, relays, client } = useScaledOut()

  it('signs up on one relay, signs in on the other, and devices on both edit one collection live', async () => {
    const [a, b] = [await relay(), await relay()]
    const email = await signUp(a, 'alice')
    const laptop = await client(a, 'laptop')
    const phone = await client(b, 'phone')
    await laptop.signIn(email, PASSWORD)
    await phone.signIn(email, PASSWORD)

    const id = await laptop.workspace.createCollection('Payments API')
    const onLaptop = await laptop.workspace.collection(id)
    const charge = onLaptop.add({ kind: 'request', name: 'charge', method: 'POST', url: 'https://pay.test/charge' })
    await vi.waitFor(() => expect(phone.workspace.index.collections().map((c) => c.name)).toEqual(['Payments API']), { timeout: 10_000 })
    const onPhone = await phone.workspace.collection(id)
    await vi.waitFor(() => expect(onPhone.tree().map((n) => n.name)).toEqual(['charge']), { timeout: 10_000 })

    onPhone.update(charge, { name: 'charge card' })
    onPhone.add({ kind: 'request', name: 'refund', method: 'POST' })
    await vi.waitFor(() => expect(onLaptop.tree().map((n) => n.name).sort()).toEqual(['charge card', 'refund']), { timeout: 10_000 })
    await Promise.all([inSync(laptop), inSync(phone)])
  })

  it('serves everything the relays acknowledged from a relay started later on the same database', async () => {
    const email = await signUp(relays[0]!, 'bob')
    const writer = await client(relays[0]!, 'bob laptop')
    await writer.signIn(email, PASSWORD)
    const id = await writer.workspace.createCollection('Inventory')
    const items = await writer.workspace.collection(id)
    for (const name of ['list', 'get', 'put']) items.add({ kind: 'request', name, method: 'GET' })
    await inSync(writer)
    for (const r of relays.splice(0)) await r.close(true)

    const fresh = await relay()
    const reader = await client(fresh, 'bob tablet')
    await reader.signIn(email, PASSWORD)
    await vi.waitFor(() => expect(reader.workspace.index.collections().map((c) => c.name)).toEqual(['Inventory']), { timeout: 10_000 })
    const copy = await reader.workspace.collection(id)
    await vi.waitFor(() => expect(copy.tree().map((n) => n.name).sort()).toEqual(['get', 'list', 'put']), { timeout: 10_000 })
  })
})

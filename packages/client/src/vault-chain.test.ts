import { describe, expect, test } from 'vitest'
import { fromBase64Url, generateAesKey, toBase64Url, utf8Decode, utf8Encode } from '@ferry/crypto'
import type { UserId } from '@ferry/protocol'
import { linkVouchedBy, makeLink, parseLink, recoveryTag, vaultKeyId, verifyGeneration, verifyRecoveryTag } from './vault-chain.ts'

const owner = 'owner-1' as UserId
const newKey = () => generateAesKey({ extractable: true })

/** A chain of `count` generations, each vouched for by the one before; answers keys and links by generation. */
async function chain(count: number) {
  const keys = new Map<number, CryptoKey>()
  const links = new Map<number, string>()
  for (let generation = 1; generation <= count; generation++) {
    const key = await newKey()
    const parent = generation === 1 ? null : { generation: generation - 1, key: keys.get(generation - 1)! }
    links.set(generation, await makeLink({ owner, generation, key, recipients: ['device-b', 'device-a'], parent }))
    keys.set(generation, key)
  }
  return { keys, links }
}

/** The link with some fields replaced, re-encoded. */
function edit(text: string, patch: Record<string, unknown>): string {
  return toBase64Url(utf8Encode(JSON.stringify({ ...JSON.parse(utf8Decode(fromBase64Url(text))), ...patch })))
}

describe('vault key chain', () => {
  test('a device holding generation 1 verifies 3 through 2 and learns the key of 2 on the way', async () => {
    const { keys, links } = await chain(3)
    const verdict = await verifyGeneration({ owner, generation: 3, key: keys.get(3)!, links, trusted: new Map([[1, keys.get(1)!]]) })
    expect(verdict.ok).toBe(true)
    if (!verdict.ok) return
    expect(await vaultKeyId(verdict.keys.get(2)!)).toBe(await vaultKeyId(keys.get(2)!))
    expect(parseLink(links.get(3)!)).toMatchObject({ generation: 3, parent: 2, recipients: ['device-a', 'device-b'] })
  })

  test('a device with no key yet verifies down to the first link', async () => {
    const { keys, links } = await chain(3)
    expect((await verifyGeneration({ owner, generation: 3, key: keys.get(3)!, links, trusted: new Map() })).ok).toBe(true)
  })

  test('refuses a key the link does not name, a forged tag, a missing link, another account', async () => {
    const { keys, links } = await chain(2)
    const trusted = new Map([[1, keys.get(1)!]])
    const check = (patch: Partial<{ key: CryptoKey; links: Map<number, string>; owner: UserId }>) =>
      verifyGeneration({ owner, generation: 2, key: keys.get(2)!, links, trusted, ...patch })
    expect(await check({ key: await newKey() })).toEqual({ ok: false, problem: 'key_mismatch' })
    expect(await check({ links: new Map([[2, edit(links.get(2)!, { tag: toBase64Url(new Uint8Array(32)) })]]) })).toEqual({ ok: false, problem: 'bad_tag' })
    expect(await check({ links: new Map([[2, edit(links.get(2)!, { recipients: ['device-a', 'device-b', 'device-x'] })]]) })).toEqual({ ok: false, problem: 'bad_tag' })
    expect(await check({ links: new Map() })).toEqual({ ok: false, problem: 'missing_link' })
    expect(await check({ links: new Map([[2, 'not a link']]) })).toEqual({ ok: false, problem: 'malformed_link' })
    expect(await check({ owner: 'owner-2' as UserId })).toEqual({ ok: false, problem: 'bad_tag' })
  })

  test('a link made by someone with another key, claiming the generation before as its parent, is refused', async () => {
    const { keys, links } = await chain(1)
    const thief = await newKey()
    const forged = await makeLink({ owner, generation: 2, key: thief, recipients: [], parent: { generation: 1, key: await newKey() } })
    const verdict = await verifyGeneration({ owner, generation: 2, key: thief, links: new Map([...links, [2, forged]]), trusted: new Map([[1, keys.get(1)!]]) })
    expect(verdict).toEqual({ ok: false, problem: 'bad_tag' })
    // …and a device with no key yet finds that its invented previous key is not generation 1's.
    expect(await verifyGeneration({ owner, generation: 2, key: thief, links: new Map([...links, [2, forged]]), trusted: new Map() })).toEqual({ ok: false, problem: 'key_mismatch' })
    expect(await linkVouchedBy(owner, forged, 1, keys.get(1)!)).toBe(false)
  })

  test('a repair link may skip a refused generation', async () => {
    const { keys, links } = await chain(1)
    const repaired = await newKey()
    links.set(2, 'whatever the thief stored')
    links.set(3, await makeLink({ owner, generation: 3, key: repaired, recipients: [], parent: { generation: 1, key: keys.get(1)! } }))
    expect((await verifyGeneration({ owner, generation: 3, key: repaired, links, trusted: new Map([[1, keys.get(1)!]]) })).ok).toBe(true)
    expect(await linkVouchedBy(owner, links.get(3)!, 1, keys.get(1)!)).toBe(true)
  })

  test('a recovery tag vouches for exactly its wrap, generation and key', async () => {
    const key = await newKey()
    const tag = await recoveryTag(owner, 4, 'wrapped-key', key)
    expect(await verifyRecoveryTag(owner, { generation: 4, wrappedKey: 'wrapped-key', tag }, key)).toBe(true)
    expect(await verifyRecoveryTag(owner, { generation: 4, wrappedKey: 'other-wrap', tag }, key)).toBe(false)
    expect(await verifyRecoveryTag(owner, { generation: 5, wrappedKey: 'wrapped-key', tag }, key)).toBe(false)
    expect(await verifyRecoveryTag(owner, { generation: 4, wrappedKey: 'wrapped-key', tag }, await newKey())).toBe(false)
    expect(await verifyRecoveryTag(owner, { generation: 4, wrappedKey: 'wrapped-key', tag: null }, key)).toBe(false)
  })
})

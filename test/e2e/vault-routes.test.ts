/**
 * The vault routes over HTTP against a real relay: owner-only device registration, approval,
 * key fetch, revocation (which also ends the device's session), recovery key and rotation.
 * Keys here are real P-256 public keys and opaque base64url blobs: the relay never opens them.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportPublicKey, generateEcdhKeyPair, toBase64Url } from '@ferry/crypto'
import { MAX_LIVE_DEVICES } from '@ferry/protocol'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { uniqueEmail } from '../helpers/client-devices.ts'
import { call as callRelay, type Answer } from '../helpers/http.ts'
import { sessionToken } from '../helpers/sessions.ts'

let relay: TestRelay

beforeAll(async () => {
  relay = await startRelay({ AUTH_ATTEMPTS_PER_WINDOW: '1000' })
})
afterAll(async () => {
  await relay?.close(true)
})

const call = (method: string, path: string, token?: string, body?: unknown): Promise<Answer> => callRelay(relay, method, path, token, body)

const blob = (): string => randomBytes(127).toString('base64url')
/** A recovery tag or chain link as the relay sees them: opaque base64url. */
const tag = (): string => randomBytes(32).toString('base64url')
const publicKey = async (): Promise<string> => toBase64Url(await exportPublicKey((await generateEcdhKeyPair()).publicKey))

async function signIn(): Promise<{ accessToken: string; refreshToken: string }> {
  const email = uniqueEmail('vault')
  await call('POST', '/v1/auth/signup', undefined, { email, password: 'correct horse battery' })
  return (await call('POST', '/v1/auth/login', undefined, { email, password: 'correct horse battery' })).body
}

/** An access token for a fresh account, minted by the relay (no password hashing: these cases are about the vault). */
const tokenForNewUser = (): Promise<string> => sessionToken(relay, randomBytes(16).toString('base64url'))

async function register(token: string, name: string, extra: Record<string, unknown> = {}): Promise<any> {
  const answer = await call('POST', '/v1/vault/devices', token, { name, publicKey: await publicKey(), ...extra })
  expect(answer.status).toBe(201)
  return answer.body
}

describe('vault routes', () => {
  it('refuse callers without a valid access token, before looking at the body', async () => {
    expect((await call('GET', '/v1/vault')).status).toBe(401)
    expect((await call('POST', '/v1/vault/devices', 'nonsense', { junk: true })).body.error.code).toBe('invalid_token')
  })

  it('run the first-device, approval and recovery lifecycle for the owner only', async () => {
    const token = await tokenForNewUser()
    expect(await call('GET', '/v1/vault', token)).toEqual({ status: 200, body: { generation: null } })
    expect((await call('GET', '/v1/vault/recovery', token)).body.error.code).toBe('no_vault')

    const laptop = await register(token, 'Laptop')
    expect(laptop).toMatchObject({ name: 'Laptop', status: 'pending', approvedAt: null })
    expect(laptop.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect((await call('GET', `/v1/vault/devices/${laptop.id}/key`, token)).body.error.code).toBe('device_pending')

    const [laptopKey, recovery] = [blob(), blob()]
    expect(await call('POST', '/v1/vault', token, { deviceId: laptop.id, wrappedKey: laptopKey, recoveryWrappedKey: recovery })).toEqual({ status: 201, body: { generation: 1 } })
    expect((await call('POST', '/v1/vault', token, { deviceId: laptop.id, wrappedKey: blob(), recoveryWrappedKey: blob() })).status).toBe(409)
    expect(await call('GET', `/v1/vault/devices/${laptop.id}/key`, token)).toEqual({ status: 200, body: { generation: 1, wrappedKey: laptopKey } })
    expect(await call('GET', '/v1/vault/recovery', token)).toEqual({ status: 200, body: { generation: 1, recoveryWrappedKey: recovery, recoveryTag: null, earlier: [] } })
    expect(await call('GET', '/v1/vault/chain', token)).toEqual({ status: 200, body: { generation: 1, links: [] } })

    const phone = await register(token, 'Phone')
    expect((await call('POST', `/v1/vault/devices/${phone.id}/approve`, token, { generation: 2, wrappedKey: blob() })).body.error.code).toBe('stale_generation')
    const phoneKey = blob()
    expect((await call('POST', `/v1/vault/devices/${phone.id}/approve`, token, { generation: 1, wrappedKey: phoneKey })).body.status).toBe('approved')
    expect((await call('GET', `/v1/vault/devices/${phone.id}/key`, token)).body.wrappedKey).toBe(phoneKey)
    const listed = await call('GET', '/v1/vault/devices', token)
    expect(listed.body.devices.map((d: any) => [d.name, d.status])).toEqual([['Laptop', 'approved'], ['Phone', 'approved']])
    expect(JSON.stringify(listed.body)).not.toContain(phoneKey)

    const newRecovery = blob()
    const newTag = tag()
    expect((await call('PUT', '/v1/vault/recovery', token, { generation: 1, recoveryWrappedKey: newRecovery })).body.error.code).toBe('invalid_request')
    expect(await call('PUT', '/v1/vault/recovery', token, { generation: 1, recoveryWrappedKey: newRecovery, recoveryTag: newTag })).toEqual({ status: 200, body: { generation: 1 } })
    expect((await call('GET', '/v1/vault/recovery', token)).body).toEqual({
      generation: 1,
      recoveryWrappedKey: newRecovery,
      recoveryTag: newTag,
      earlier: [{ generation: 1, recoveryWrappedKey: recovery, recoveryTag: null }],
    })

    // Another account sees none of it and can touch none of it.
    const stranger = await tokenForNewUser()
    expect((await call('GET', '/v1/vault/devices', stranger)).body.devices).toEqual([])
    expect((await call('GET', `/v1/vault/devices/${phone.id}/key`, stranger)).status).toBe(404)
    expect((await call('DELETE', `/v1/vault/devices/${phone.id}`, stranger)).status).toBe(404)
    expect((await call('POST', `/v1/vault/devices/${phone.id}/approve`, stranger, { generation: 1, wrappedKey: blob() })).status).toBe(404)
  })

  it('revoke a device: its wrapped key is gone, it cannot be re-approved, and its session is signed out', async () => {
    const session = await signIn()
    const other = await call('POST', '/v1/auth/login', undefined, { email: (await call('GET', '/v1/me', session.accessToken)).body.email, password: 'correct horse battery' })
    const laptop = await register(session.accessToken, 'Laptop')
    await call('POST', '/v1/vault', session.accessToken, { deviceId: laptop.id, wrappedKey: blob(), recoveryWrappedKey: blob() })
    const tablet = await register(other.body.accessToken, 'Tablet', { refreshToken: other.body.refreshToken })
    await call('POST', `/v1/vault/devices/${tablet.id}/approve`, session.accessToken, { generation: 1, wrappedKey: blob() })

    expect((await call('DELETE', `/v1/vault/devices/${tablet.id}`, session.accessToken)).status).toBe(204)
    expect((await call('GET', `/v1/vault/devices/${tablet.id}/key`, session.accessToken)).body.error.code).toBe('device_revoked')
    expect((await call('POST', `/v1/vault/devices/${tablet.id}/approve`, session.accessToken, { generation: 1, wrappedKey: blob() })).body.error.code).toBe('device_revoked')
    expect((await call('POST', '/v1/auth/refresh', undefined, { refreshToken: other.body.refreshToken })).status).toBe(401)
    expect((await call('POST', '/v1/auth/refresh', undefined, { refreshToken: session.refreshToken })).status).toBe(200)
  })

  it('rotate only with the new key wrapped for exactly the approved devices', async () => {
    const token = await tokenForNewUser()
    const [laptop, phone] = [await register(token, 'Laptop'), await register(token, 'Phone')]
    await call('POST', '/v1/vault', token, { deviceId: laptop.id, wrappedKey: blob(), recoveryWrappedKey: blob() })
    await call('POST', `/v1/vault/devices/${phone.id}/approve`, token, { generation: 1, wrappedKey: blob() })
    await call('DELETE', `/v1/vault/devices/${phone.id}`, token)

    const link = tag()
    const rotate = (wrappedKeys: { deviceId: string; wrappedKey: string }[], generation = 2) =>
      call('POST', '/v1/vault/rotate', token, { generation, wrappedKeys, recoveryWrappedKey: blob(), recoveryTag: tag(), link })
    expect((await call('POST', '/v1/vault/rotate', token, { generation: 2, wrappedKeys: [{ deviceId: laptop.id, wrappedKey: blob() }], recoveryWrappedKey: blob() })).body.error.code).toBe(
      'invalid_request',
    )
    expect((await rotate([{ deviceId: laptop.id, wrappedKey: blob() }, { deviceId: phone.id, wrappedKey: blob() }])).body.error.code).toBe('devices_changed')
    expect((await rotate([{ deviceId: laptop.id, wrappedKey: blob() }, { deviceId: laptop.id, wrappedKey: blob() }])).body.error.code).toBe('duplicate_device')
    expect((await rotate([{ deviceId: laptop.id, wrappedKey: blob() }], 3)).body.error.code).toBe('stale_generation')
    const newKey = blob()
    expect(await rotate([{ deviceId: laptop.id, wrappedKey: newKey }])).toEqual({ status: 200, body: { generation: 2 } })
    expect((await call('GET', '/v1/vault/chain', token)).body).toEqual({ generation: 2, links: [{ generation: 2, link }] })
    expect(await call('GET', `/v1/vault/devices/${laptop.id}/key`, token)).toEqual({ status: 200, body: { generation: 2, wrappedKey: newKey } })
  })

  it('cap the live devices of an account', async () => {
    const token = await tokenForNewUser()
    const devices = []
    for (let i = 0; i < MAX_LIVE_DEVICES; i++) devices.push(await register(token, `Device ${i}`))
    const refused = await call('POST', '/v1/vault/devices', token, { name: 'One too many', publicKey: await publicKey() })
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'too_many_devices' } } })
    await call('DELETE', `/v1/vault/devices/${devices[0].id}`, token)
    await register(token, 'Fits again')
  })

  it('answer bad input with 400, never 500', async () => {
    const token = await tokenForNewUser()
    const notOnCurve = `B${'A'.repeat(86)}`
    expect((await call('POST', '/v1/vault/devices', token, { name: 'X', publicKey: notOnCurve })).body.error.code).toBe('invalid_public_key')
    for (const body of [{ name: 'X' }, { name: '', publicKey: await publicKey() }, { name: 'X', publicKey: 'short' }, { name: 'X', publicKey: await publicKey(), extra: 1 }]) {
      expect((await call('POST', '/v1/vault/devices', token, body)).status).toBe(400)
    }
    expect((await call('GET', '/v1/vault/devices/not-an-id/key', token)).status).toBe(400)
    expect((await call('POST', '/v1/vault', token, { deviceId: 'A'.repeat(22), wrappedKey: 'has spaces in it', recoveryWrappedKey: blob() })).status).toBe(400)
    expect((await call('POST', '/v1/vault', token, { deviceId: 'A'.repeat(22), wrappedKey: blob(), recoveryWrappedKey: blob() })).body.error.code).toBe('unknown_device')
    expect((await call('PUT', '/v1/vault/recovery', token, { generation: 0, recoveryWrappedKey: blob() })).status).toBe(400)
  })
})

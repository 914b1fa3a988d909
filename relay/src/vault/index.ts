/**
 * The vault routes (`/v1/vault/…`): device registration and approval, wrapped vault keys, the
 * recovery-wrapped key and key rotation. Every route is authenticated and works only on the
 * caller's own account. The relay stores public keys and wrapped keys; it never sees a vault
 * key or a variable value (DESIGN.md "Secrets").
 */
import { randomBytes } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { MAX_DEVICES, MAX_LIVE_DEVICES, type UserId } from '@ferry/protocol'
import { requireUser } from '../auth/access-tokens.ts'
import { hashSecret } from '../auth/secrets.ts'
import { badRequest, forbidden, httpError, notFound, type HttpError } from '../errors.ts'
import type { DeviceId, DeviceRecord, VaultStore, VaultWriteError } from '../storage/accounts/vault.ts'
import { distinctName } from './device-names.ts'
import { isPublicKey } from './public-key.ts'
import {
  ApproveBody,
  ChainAnswer,
  CreateVaultBody,
  DeviceParams,
  DeviceSchema,
  RecoveryAnswer,
  RecoveryBody,
  RegisterDeviceBody,
  RenameDeviceBody,
  RotateBody,
  VaultStateSchema,
  WrappedKeyAnswer,
  type DeviceView,
} from './schemas.ts'

export interface VaultOptions {
  vault: VaultStore
}

const messages: Readonly<Record<VaultWriteError, () => HttpError>> = {
  no_vault: () => notFound('This account has no vault yet.', 'no_vault'),
  vault_exists: () => httpError(409, 'vault_exists', 'This account already has a vault; ask a signed-in device to approve this one.'),
  no_device: () => notFound('No such device in this account.', 'unknown_device'),
  device_revoked: () => forbidden('This device was revoked.', 'device_revoked'),
  stale_generation: () => httpError(409, 'stale_generation', 'The vault key changed in the meantime (rotated on another device). Reload and try again.'),
  devices_changed: () => httpError(409, 'devices_changed', 'The devices changed in the meantime. Reload and try again.'),
}

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: VaultWriteError }): T {
  if (!result.ok) throw messages[result.error]()
  return result.value
}

const view = (device: DeviceRecord): DeviceView => ({
  id: device.id,
  name: device.name,
  publicKey: device.publicKey,
  status: device.status,
  createdAt: device.createdAt,
  approvedAt: device.approvedAt,
  revokedAt: device.revokedAt,
})

const vault: FastifyPluginAsyncTypebox<VaultOptions> = async (app, { vault: store }) => {
  app.addHook('onRequest', requireUser)
  const owner = (request: { userId: string }): UserId => request.userId as UserId

  app.get('/v1/vault', { schema: { response: { 200: VaultStateSchema } } }, async (request) => ({
    generation: (await store.getVault(owner(request)))?.generation ?? null,
  }))

  app.post('/v1/vault', { schema: { body: CreateVaultBody, response: { 201: VaultStateSchema } } }, async (request, reply) => {
    const { deviceId, ...rest } = request.body
    const created = unwrap(await store.createVault(owner(request), { ...rest, deviceId: deviceId as DeviceId, now: Date.now() }))
    return reply.status(201).send({ generation: created.generation })
  })

  app.post('/v1/vault/devices', { schema: { body: RegisterDeviceBody, response: { 201: DeviceSchema } } }, async (request, reply) => {
    const { name, publicKey, refreshToken } = request.body
    if (!(await isPublicKey(publicKey))) throw badRequest('publicKey is not an uncompressed P-256 public key.', 'invalid_public_key')
    const userId = owner(request)
    const devices = await store.listDevices(userId)
    if (devices.filter((d) => d.status !== 'revoked').length >= MAX_LIVE_DEVICES) {
      throw httpError(409, 'too_many_devices', `An account can have ${MAX_LIVE_DEVICES} devices; revoke one you no longer use.`)
    }
    if (devices.length >= MAX_DEVICES) throw httpError(409, 'too_many_devices', `An account can register at most ${MAX_DEVICES} devices.`)
    const device = await store.registerDevice({
      id: randomBytes(16).toString('base64url') as DeviceId,
      userId,
      name: distinctName(name.trim(), devices.filter((d) => d.status !== 'revoked').map((d) => d.name)),
      publicKey,
      sessionHash: refreshToken === undefined ? null : hashSecret(refreshToken),
      createdAt: Date.now(),
    })
    return reply.status(201).send(view(device))
  })

  app.get('/v1/vault/devices', { schema: { response: { 200: Type.Object({ devices: Type.Array(DeviceSchema) }) } } }, async (request) => ({
    devices: (await store.listDevices(owner(request))).map(view),
  }))

  app.patch('/v1/vault/devices/:deviceId', { schema: { params: DeviceParams, body: RenameDeviceBody, response: { 200: DeviceSchema } } }, async (request) =>
    view(unwrap(await store.renameDevice(owner(request), request.params.deviceId as DeviceId, request.body.name.trim()))))

  app.post('/v1/vault/devices/:deviceId/approve', { schema: { params: DeviceParams, body: ApproveBody, response: { 200: DeviceSchema } } }, async (request) => {
    const approval = { ...request.body, now: Date.now() }
    return view(unwrap(await store.approveDevice(owner(request), request.params.deviceId as DeviceId, approval)))
  })

  app.delete('/v1/vault/devices/:deviceId', { schema: { params: DeviceParams } }, async (request, reply) => {
    unwrap(await store.revokeDevice(owner(request), request.params.deviceId as DeviceId, Date.now()))
    // The store ended the session the device registered from: close its sockets now.
    app.accessTokens.sessionsEnded(owner(request))
    return reply.status(204).send()
  })

  app.get('/v1/vault/devices/:deviceId/key', { schema: { params: DeviceParams, response: { 200: WrappedKeyAnswer } } }, async (request) => {
    const device = await store.getDevice(owner(request), request.params.deviceId as DeviceId)
    if (device === null) throw messages.no_device()
    if (device.status === 'revoked') throw messages.device_revoked()
    if (device.wrappedKey === null || device.generation === null) throw forbidden('This device is waiting for approval.', 'device_pending')
    return { generation: device.generation, wrappedKey: device.wrappedKey }
  })

  app.get('/v1/vault/recovery', { schema: { response: { 200: RecoveryAnswer } } }, async (request) => {
    const chain = await store.getVaultChain(owner(request))
    if (chain === null) throw messages.no_vault()
    const [current, ...earlier] = chain.recoveries
    return { ...current!, earlier }
  })

  // The public facts devices verify a new key generation against; see docs/decisions.md "Vault key chain".
  app.get('/v1/vault/chain', { schema: { response: { 200: ChainAnswer } } }, async (request) => {
    const chain = await store.getVaultChain(owner(request))
    if (chain === null) throw messages.no_vault()
    return { generation: chain.generation, links: [...chain.links] }
  })

  app.put('/v1/vault/recovery', { schema: { body: RecoveryBody, response: { 200: VaultStateSchema } } }, async (request) => ({
    generation: unwrap(await store.setRecoveryKey(owner(request), request.body)).generation,
  }))

  app.post('/v1/vault/rotate', { schema: { body: RotateBody, response: { 200: VaultStateSchema } } }, async (request) => {
    const { wrappedKeys, ...rest } = request.body
    const byDevice = Object.fromEntries(wrappedKeys.map((entry) => [entry.deviceId, entry.wrappedKey])) as Record<DeviceId, string>
    if (Object.keys(byDevice).length !== wrappedKeys.length) throw badRequest('A device is listed twice.', 'duplicate_device')
    // The relay cannot tell a rotation made by a holder of the vault key from one made with a
    // stolen access token: the devices check its link before they use the new key.
    return { generation: unwrap(await store.rotateVault(owner(request), { ...rest, wrappedKeys: byDevice })).generation }
  })
}

export default vault

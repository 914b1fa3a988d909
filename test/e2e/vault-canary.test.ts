/**
 * The canary: secret values set on device A reach device B in clear, and appear nowhere on the
 * relay — not in its data dir, not in its logs (at `trace`), not in the documents it serves.
 * The relay runs as its own process, exactly as `npm start` runs it, so its output is real.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { UserId } from '@ferry/protocol'
import { processToken, spawnRelay, type RelayProcess } from '../helpers/relay-process.ts'
import { stockProvider, synced } from '../helpers/sync-clients.ts'
import { openVaultDevice, type VaultDevice } from '../helpers/vault-devices.ts'

let relay: RelayProcess
let dataDir: string
const owner = randomBytes(16).toString('base64url') as UserId
let ownerToken: string
const devices: VaultDevice[] = []

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferry-canary-'))
  ownerToken = await processToken(owner, dataDir)
  relay = await spawnRelay(dataDir, { LOG_LEVEL: 'trace' })
})
afterAll(async () => {
  await Promise.all(devices.map((device) => device.close()))
  relay?.child.kill('SIGTERM')
  await relay?.exited
  rmSync(dataDir, { recursive: true, force: true })
})

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

/** Every way the canary could show up in bytes: as UTF-8, and as UTF-16 (in case anything wrote JS strings raw). */
function containsCanary(bytes: Uint8Array, canary: string): boolean {
  const buffer = Buffer.from(bytes)
  return buffer.includes(Buffer.from(canary, 'utf8')) || buffer.includes(Buffer.from(canary, 'utf16le'))
}

it('a secret set on device A reaches device B in clear and never reaches the relay in clear', async () => {
  const endpoint = { url: relay.wsUrl.replace(/^ws/, 'http'), wsUrl: relay.wsUrl, token: () => ownerToken }
  const globalCanary = `canary-global-${randomBytes(12).toString('hex')}`
  const envCanary = `canary-env-${randomBytes(12).toString('hex')}`

  const a = await openVaultDevice(endpoint, owner, 'Laptop')
  devices.push(a)
  await a.vault.refresh()
  await a.vault.create()
  await a.connect()
  const globalId = await a.envs.addVariable(null, { key: 'apiKey', value: globalCanary, secret: true })
  const production = a.envs.environments.add('Production')
  const envId = await a.envs.addVariable(production, { key: 'password', value: envCanary, secret: true })

  const b = await openVaultDevice(endpoint, owner, 'Phone')
  devices.push(b)
  await b.vault.refresh()
  await a.vault.approve(b.vault.deviceId!)
  expect((await b.vault.refresh()).kind).toBe('unlocked')
  await b.connect()
  await vi.waitFor(async () => {
    expect(await b.envs.readVariable(null, globalId)).toEqual({ state: 'value', value: globalCanary })
    expect(await b.envs.readVariable(production, envId)).toEqual({ state: 'value', value: envCanary })
  }, { timeout: 10_000 })
  const resolved = await b.envs.resolve('Bearer {{apiKey}} / {{password}}', production)
  expect(resolved.text).toBe(`Bearer ${globalCanary} / ${envCanary}`)

  // What the relay serves to anyone allowed to read the doc is exactly what it holds: no clear value in it.
  const observer = new Y.Doc()
  // A Y.Doc lists only the root types it has defined.
  observer.getMap('globals')
  observer.getMap('environments')
  const provider = stockProvider(relay.wsUrl, a.docName, ownerToken, observer)
  await synced(provider)
  await vi.waitFor(() => expect(JSON.stringify(observer.toJSON())).toContain('Production'), { timeout: 10_000 })
  const served = Y.encodeStateAsUpdate(observer)
  provider.destroy()
  expect(JSON.stringify(observer.toJSON())).toMatch(/"value":"g1\./)
  for (const canary of [globalCanary, envCanary]) {
    expect(containsCanary(served, canary)).toBe(false)
    expect(JSON.stringify(observer.toJSON())).not.toContain(canary)
  }

  // Stop the relay cleanly (it flushes and compacts), then search everything it left behind.
  relay.child.kill('SIGTERM')
  await relay.exited
  const files = filesUnder(dataDir)
  expect(files.some((path) => path.includes('docs'))).toBe(true)
  expect(files.some((path) => path.endsWith('accounts.json'))).toBe(true)
  const logs = relay.output()
  expect(logs).toContain('/v1/vault/devices')
  for (const canary of [globalCanary, envCanary]) {
    for (const path of files) expect(containsCanary(readFileSync(path), canary), path).toBe(false)
    expect(logs).not.toContain(canary)
  }
})

/**
 * Postman environments, globals and data dumps through the client as an app uses it: a signed
 * in `FerryClient` on a real relay, its vault, fake-indexeddb. Values land sealed (the doc and
 * IndexedDB never hold them in clear), export gives the file back, a second import asks before
 * touching what exists, and an import that cannot land whole lands not at all.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { strToU8, zipSync } from 'fflate'
import {
  applyPostmanImport,
  exportPostmanEnvironment,
  exportPostmanGlobals,
  FERRY_VERSION,
  openAccountVault,
  planPostmanImport,
  PostmanImportError,
  readPostmanFiles,
  SecretEnvironments,
  type FerryClient,
  type PostmanImportPlan,
  type PickedFile,
  type Vault,
} from '../../packages/client/src/index.ts'
import { openClient, PASSWORD, signUp } from '../helpers/client-app.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'
import { useRelayEachTest } from '../helpers/relay-each-test.ts'
import { storedBytes as browserBytes } from '../helpers/stored-bytes.ts'

const fixtures = join(import.meta.dirname, '../../packages/schema/src/fixtures/postman-env')
const fixture = (name: string): PickedFile => ({ name, bytes: readFileSync(join(fixtures, name)) })
const fixtureJson = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as Record<string, unknown>
const SECRETS = ['sk_test_4f9a1c77e2b04d', 'eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl', 'hunter2']

const suite = useRelayEachTest()

interface Browser {
  device: Device
  client: FerryClient
  vault: Vault
  secret: SecretEnvironments
}

async function browser(withVault = true): Promise<Browser> {
  const device = createDevice('laptop')
  const client = await openClient(suite.relay, device)
  suite.afterTest(() => client.close())
  const account = await client.signIn(await signUp(suite.relay, 'migrating'), PASSWORD)
  const vault = await openAccountVault({ relay: client.relay, accounts: client.accounts, owner: account.id, indexedDB: device.indexedDB, deviceName: 'laptop' })
  suite.afterTest(() => vault.close())
  await vault.refresh()
  if (withVault) await vault.create()
  const secret = new SecretEnvironments(await client.workspace.environments(), client.workspace.docName('environments'), vault)
  return { device, client, vault, secret }
}

function read(...files: PickedFile[]) {
  const result = readPostmanFiles(files)
  if (!result.ok) throw new Error(result.error.message)
  return result.value.batch
}

async function importFiles(b: Browser, files: PickedFile[], choices: Record<number, 'update' | 'copy'> = {}) {
  const plan = await planPostmanImport(b.secret, read(...files))
  return { plan, report: await applyPostmanImport(b.client.workspace, b.secret, plan, choices) }
}

/** Every value of the environments doc's state and of the browser's IndexedDB, as bytes. */
async function storedBytes(b: Browser): Promise<Buffer> {
  const chunks: Buffer[] = [Buffer.from(Y.encodeStateAsUpdate(b.secret.environments.doc))]
  chunks.push(await browserBytes(b.device.indexedDB))
  return Buffer.concat(chunks)
}

const restamp = (file: Record<string, unknown>, exported: Record<string, unknown>) => ({ ...file, _postman_exported_at: exported._postman_exported_at, _postman_exported_using: `Ferry/${FERRY_VERSION}` })

describe('Postman environments and globals through the vault', () => {
  it('imports an environment with a secret and the globals sealed, and exports them back as they were', async () => {
    const b = await browser()
    const { plan, report } = await importFiles(b, [fixture('staging.postman_environment.json'), fixture('workspace.postman_globals.json')])
    expect(plan.questions).toEqual([])
    expect(report.imported).toEqual([
      { what: 'environment', name: 'Staging', detail: 'new environment (4 variables)' },
      { what: 'globals', name: 'Globals', detail: 'globals: 3 added' },
    ])
    expect(report.notImported).toEqual([])

    const envs = b.secret.environments
    const staging = envs.list().find((e) => e.name === 'Staging')!
    const apiKey = staging.variables.find((v) => v.key === 'apiKey')!
    expect(apiKey.secret).toBe(true)
    expect(await b.secret.readVariable(staging.id, apiKey.id)).toEqual({ state: 'value', value: 'sk_test_4f9a1c77e2b04d' })
    expect((await b.secret.resolve('{{baseUrl}}?ua={{userAgent}}&n={{retries}}', staging.id)).text).toBe('https://staging.api.example.com?ua=ferry-tests/1.0&n=3')
    // Sealed: not one value in clear in the doc or anywhere in IndexedDB.
    await b.client.workspace.loadAll()
    const bytes = await storedBytes(b)
    expect(bytes.includes(Buffer.from('apiKey'))).toBe(true)
    for (const value of [...SECRETS, 'https://staging.api.example.com', 'ferry-tests/1.0']) expect(bytes.includes(Buffer.from(value)), value).toBe(false)

    const withSecrets = await exportPostmanEnvironment(b.secret, staging.id, { includeSecrets: true })
    expect(withSecrets.fileName).toBe('Staging.postman_environment.json')
    expect(withSecrets.file).toEqual(restamp(fixtureJson('staging.postman_environment.json'), withSecrets.file))
    const shared = await exportPostmanEnvironment(b.secret, staging.id, { includeSecrets: false })
    expect(shared.secretsLeftEmpty).toEqual(['apiKey'])
    expect(shared.file.values[1]).toEqual({ key: 'apiKey', value: '', type: 'secret', enabled: true })
    expect(FERRY_VERSION).toBe((JSON.parse(readFileSync(join(import.meta.dirname, '../../packages/client/package.json'), 'utf8')) as { version: string }).version)
    const globals = await exportPostmanGlobals(b.secret, { includeSecrets: true })
    expect(globals.fileName).toBe('My Workspace Globals.postman_globals.json')
    expect(globals.file).toEqual(restamp(fixtureJson('workspace.postman_globals.json'), globals.file))
  })

  it('asks before touching an environment that exists: update changes it in place, copy makes a new one', async () => {
    const b = await browser()
    await importFiles(b, [fixture('staging.postman_environment.json')])
    const envs = b.secret.environments
    const [staging] = envs.list()
    const mine = await b.secret.addVariable(staging!.id, { key: 'onlyMine', value: 'kept' })
    envs.rename(staging!.id, 'Staging (mine)')

    const changed = fixtureJson('staging.postman_environment.json') as { values: { key: string; value: string }[] }
    changed.values[0]!.value = 'https://staging-2.api.example.com'
    const file = { name: 'staging.postman_environment.json', bytes: Buffer.from(JSON.stringify(changed)) }
    const plan = await planPostmanImport(b.secret, read(file))
    expect(plan.questions).toEqual([0])
    expect(plan.scopes[0]!.target).toEqual({ kind: 'environment', environmentId: staging!.id, name: 'Staging (mine)', by: 'id' })

    const updated = await applyPostmanImport(b.client.workspace, b.secret, plan, { 0: 'update' })
    expect(updated.imported).toEqual([{ what: 'environment', name: 'Staging', detail: 'updated "Staging": 4 updated' }])
    expect(envs.list().map((e) => e.name)).toEqual(['Staging'])
    const after = envs.get(staging!.id)!
    expect(after.variables.map((v) => v.key)).toEqual(['baseUrl', 'apiKey', 'legacyHost', 'note', 'onlyMine'])
    expect(await b.secret.readVariable(staging!.id, after.variables[0]!.id)).toEqual({ state: 'value', value: 'https://staging-2.api.example.com' })
    expect(await b.secret.readVariable(staging!.id, mine)).toEqual({ state: 'value', value: 'kept' })

    const copied = await applyPostmanImport(b.client.workspace, b.secret, await planPostmanImport(b.secret, read(file)), { 0: 'copy' })
    expect(copied.imported[0]!.detail).toBe('new copy "Staging (2)" (4 variables)')
    expect(envs.list().map((e) => e.name)).toEqual(['Staging', 'Staging (2)'])

    // An environment of the same name but another id is found by name.
    const other = { ...changed, id: 'another-id', name: 'Staging (2)' }
    const byName = await planPostmanImport(b.secret, read({ name: 'o.json', bytes: Buffer.from(JSON.stringify(other)) }))
    expect(byName.scopes[0]!.target).toMatchObject({ kind: 'environment', name: 'Staging (2)', by: 'name' })

    // Globals ask only when a key is already there.
    const first = await planPostmanImport(b.secret, read(fixture('legacy.postman_globals.json')))
    expect(first.questions).toEqual([])
    await applyPostmanImport(b.client.workspace, b.secret, first)
    const again = await planPostmanImport(b.secret, read(fixture('legacy.postman_globals.json')))
    expect(again.scopes[0]!.target).toEqual({ kind: 'globals', collisions: ['host', 'debug'] })
    const asEnvironment = await applyPostmanImport(b.client.workspace, b.secret, again, { 0: 'copy' })
    expect(asEnvironment.imported[0]).toMatchObject({ what: 'environment', detail: 'new copy "legacy" (2 variables)' })
    expect(envs.globals.list()).toHaveLength(2)
  })

  it('imports nothing without a vault, on the local-only workspace, or when one file of several is bad', async () => {
    const b = await browser(false)
    const batch = read(fixture('staging.postman_environment.json'))
    await expect(planPostmanImport(b.secret, batch)).rejects.toMatchObject({ code: 'vault_not_set_up', message: expect.stringMatching(/Set up your vault first.*Nothing was imported/) })
    await expect(planPostmanImport(null, batch)).rejects.toMatchObject({ code: 'needs_account' })
    await expect(planPostmanImport(null, batch)).rejects.toBeInstanceOf(PostmanImportError)
    expect(b.secret.environments.list()).toEqual([])

    const bad = readPostmanFiles([fixture('staging.postman_environment.json'), { name: 'cut.json', bytes: Buffer.from('{"name": "x", "values": [') }])
    expect(bad).toMatchObject({ ok: false, error: { code: 'truncated', message: expect.stringMatching(/^"cut\.json" ends in the middle.*Nothing was imported from the 2 files you picked\.$/) } })
    const utf16 = readPostmanFiles([{ name: 'w.json', bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify({ name: 'W', values: [] }), 'utf16le')]) }])
    expect(utf16).toMatchObject({ ok: true, value: { kinds: ['environment'] } })
  })

  it('migrates an old app data dump in one go: collections, environments, globals, header presets; v1 collections named as not imported', async () => {
    const b = await browser()
    const { plan, report } = await importFiles(b, [fixture('old-app.postman_dump.json')])
    expect(plan.questions).toEqual([])
    expect(report.imported.map((i) => [i.what, i.name])).toEqual([
      ['environment', 'Local'],
      ['globals', 'Globals'],
      ['header preset', 'JSON API'],
      ['collection', 'Inventory'],
    ])
    expect(report.notImported).toEqual([{ what: 'collection', name: 'Legacy Orders', reason: expect.stringMatching(/Collection v1/) }])
    const workspace = b.client.workspace
    const inventory = report.imported.find((i) => i.what === 'collection')!
    expect(workspace.index.collections().map((c) => c.name)).toEqual(['Inventory'])
    expect((await workspace.collection(inventory.id!)).tree()).toMatchObject([{ kind: 'request', name: 'Stock level', method: 'GET', url: '{{host}}/stock/42' }])
    expect(workspace.index.headerPresets()).toMatchObject([{ name: 'JSON API', headers: [{ key: 'Content-Type', kept: { description: '' } }, { key: 'X-Client', enabled: false, kept: { description: 'who calls' } }] }])
    const envs = b.secret.environments
    expect(envs.globals.list().map((v) => v.key)).toEqual(['region', 'tenant'])
    const local = envs.list()[0]!
    expect(await b.secret.readVariable(local.id, local.variables[1]!.id)).toEqual({ state: 'value', value: 'hunter2' })
    // The old app's bookkeeping comes back on export.
    const exported = await exportPostmanEnvironment(b.secret, local.id, { includeSecrets: true })
    expect(exported.file).toMatchObject({ id: 'b2e9f4c7-0d3a-4b8e-8c61-9f2a7e5d1c30', timestamp: 1467030123456, synced: false, team: null })
  })

  it('migrates the zip Postman exports now, and refuses a dump whole when one collection in it is bad', async () => {
    const b = await browser()
    const collection = { info: { _postman_id: 'c1', name: 'Payments', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' }, item: [{ name: 'Charge', request: { method: 'POST', url: 'https://pay.example/charges' } }] }
    const env = { id: 'e1', name: 'Prod', values: [{ key: 'token', value: 'tok_live_77', enabled: true, type: 'secret' }] }
    const zip = zipSync({
      'a1b2-export/archive.json': strToU8(JSON.stringify({ collection: { c1: true }, environment: { e1: true } })),
      'a1b2-export/collection/c1.json': strToU8(JSON.stringify(collection)),
      'a1b2-export/environment/e1.json': strToU8(JSON.stringify(env)),
    })
    const { report } = await importFiles(b, [{ name: 'export.zip', bytes: zip }])
    expect(report.imported.map((i) => [i.what, i.name, i.detail])).toEqual([
      ['environment', 'Prod', 'new environment (1 variable)'],
      ['collection', 'Payments', 'new collection'],
    ])
    const prod = b.secret.environments.list()[0]!
    expect(prod.variables[0]).toMatchObject({ key: 'token', secret: true })
    expect(await b.secret.readVariable(prod.id, prod.variables[0]!.id)).toEqual({ state: 'value', value: 'tok_live_77' })

    const before = b.client.workspace.index.collections().length
    const broken = { version: 1, collections: [collection, { info: { name: 'Broken', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' }, item: 'nope' }], environments: [{ ...env, id: 'e2', name: 'Other' }] }
    const plan: Promise<PostmanImportPlan> = planPostmanImport(b.secret, read({ name: 'dump.json', bytes: Buffer.from(JSON.stringify(broken)) }))
    await expect(plan).rejects.toMatchObject({ code: 'invalid_file', message: expect.stringMatching(/^"Broken" \(.*collection 2\): .*Nothing was imported\.$/) })
    expect(b.client.workspace.index.collections()).toHaveLength(before)
    expect(b.secret.environments.list().map((e) => e.name)).toEqual(['Prod'])
    // A collection in a dump with a wrong type deep inside: every problem named by item and place, for the report's table.
    const deep = { info: { name: 'Deep', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' }, item: [{ name: 'Users', item: [{ name: 'Create user', request: { url: 'x', header: 5 } }] }] }
    await expect(planPostmanImport(b.secret, read({ name: 'dump.json', bytes: Buffer.from(JSON.stringify({ version: 1, collections: [deep] })) }))).rejects.toMatchObject({
      code: 'invalid_file',
      problems: { count: 1, issues: [{ item: 'Users / Create user', path: 'item/0/item/0/request/header', message: expect.stringContaining('list') }] },
    })

    expect(readPostmanFiles([{ name: 'broken.zip', bytes: zip.subarray(0, 60) }])).toMatchObject({ ok: false, error: { message: expect.stringMatching(/"broken\.zip" is not a zip file Ferry can open/) } })
  })
})

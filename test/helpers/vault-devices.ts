/**
 * Simulated browsers for vault tests: each device has its own fake-indexeddb factory, its own
 * `Vault` talking to the relay's `/v1/vault` routes, and its own copy of the account's
 * environments doc, synced through the relay with the stock y-websocket provider.
 */
import { IDBFactory } from 'fake-indexeddb'
import * as Y from 'yjs'
import { docName, type DocName, type UserId } from '@ferry/protocol'
import { Environments } from '@ferry/schema'
import { RelayApi } from '../../packages/client/src/relay-api.ts'
import { SecretEnvironments } from '../../packages/client/src/secret-environments.ts'
import { VaultApi } from '../../packages/client/src/vault-api.ts'
import { Vault } from '../../packages/client/src/vault.ts'
import { stockProvider, synced } from './sync-clients.ts'
import type { WebsocketProvider } from 'y-websocket'

export interface VaultRelay {
  /** `http(s)://host:port` */
  url: string
  wsUrl: string
  token(userId: UserId): Promise<string> | string
}

export interface VaultDevice {
  readonly name: string
  readonly owner: UserId
  readonly indexedDB: IDBFactory
  readonly vault: Vault
  readonly doc: Y.Doc
  readonly envs: SecretEnvironments
  readonly docName: DocName
  /** Connects the environments doc to the relay (once) and waits for the first sync. */
  connect(): Promise<void>
  /** Closes the vault (keeps its IndexedDB) and reopens it, as a page reload would. */
  reload(): Promise<Vault>
  close(): Promise<void>
}

export async function openVaultDevice(relay: VaultRelay, owner: UserId, name: string, indexedDB = new IDBFactory()): Promise<VaultDevice> {
  const api = new VaultApi(new RelayApi({ baseUrl: relay.url }), async () => relay.token(owner))
  const open = () => Vault.open({ owner, indexedDB, api, deviceName: name })
  const doc = new Y.Doc()
  const environmentsDoc = docName(owner, 'environments')
  const environments = new Environments(doc)
  let vault = await open()
  let envs = new SecretEnvironments(environments, environmentsDoc, vault)
  let provider: WebsocketProvider | null = null
  return {
    name,
    owner,
    indexedDB,
    doc,
    docName: environmentsDoc,
    get vault() {
      return vault
    },
    get envs() {
      return envs
    },
    async connect() {
      provider ??= stockProvider(relay.wsUrl, environmentsDoc, await relay.token(owner), doc)
      await synced(provider)
    },
    async reload() {
      vault.close()
      vault = await open()
      envs = new SecretEnvironments(environments, environmentsDoc, vault)
      return vault
    },
    async close() {
      provider?.destroy()
      vault.close()
      doc.destroy()
    },
  }
}

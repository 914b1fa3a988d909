/**
 * The Hocuspocus side of the workspace-scale benchmark, run as its own process by
 * `servers.ts`: `@hocuspocus/server` 3 with its defaults (store debounced 2 s, at most 10 s;
 * a doc unloads as soon as its last connection leaves), plus what a deployment of it needs to
 * be comparable with Ferry's relay:
 *   - persistence: one file per doc under `FERRY_DATA_DIR` (the doc's whole state, written to a
 *     temp file, fsynced, renamed over the old one), read in `onLoadDocument` — what
 *     `@hocuspocus/extension-database` does with a `fetch`/`store` pair, without a database
 *     process. Not encrypted. Hocuspocus acknowledges an update when applied in memory, before it
 *     is stored: it has no durable acknowledgement;
 *   - auth: each doc's token (Hocuspocus authenticates per doc, even on a shared socket) is an
 *     HS256 JWT checked in `onAuthenticate`, and its subject must own the doc (`<user>:…`).
 */
import { open, readFile, rename } from 'node:fs/promises'
import { Server } from '@hocuspocus/server'
import { jwtVerify } from 'jose'
import * as Y from 'yjs'
import { hocuspocusFile } from './hocuspocus-files.ts'

const dir = process.env.FERRY_DATA_DIR!
const secret = new TextEncoder().encode(process.env.FERRY_JWT_SECRET)

async function storeFile(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.tmp`
  const file = await open(temp, 'w')
  try {
    await file.writeFile(bytes)
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(temp, path)
}

const server = new Server({
  port: Number(process.env.PORT ?? 0),
  address: process.env.HOST ?? '127.0.0.1',
  quiet: true,
  stopOnSignals: true,
  async onAuthenticate({ token, documentName }) {
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'] })
    if (typeof payload.sub !== 'string' || !documentName.startsWith(`${payload.sub}:`)) throw new Error('forbidden')
    return { user: payload.sub }
  },
  async onLoadDocument({ documentName, document }) {
    let bytes: Uint8Array
    try {
      bytes = await readFile(hocuspocusFile(dir, documentName))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    Y.applyUpdate(document, bytes)
  },
  async onStoreDocument({ documentName, document }) {
    await storeFile(hocuspocusFile(dir, documentName), Y.encodeStateAsUpdate(document))
  },
})

await server.listen()
console.log(`Hocuspocus listening on http://${process.env.HOST ?? '127.0.0.1'}:${server.address.port}`)

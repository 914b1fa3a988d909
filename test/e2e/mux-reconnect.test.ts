/**
 * Issue 14's reconnect storm: an office behind one address (20 accounts, one multiplexed
 * socket each, 31 docs per account) reconnects all at once after a relay restart, with the
 * default limits. Every socket gets in and every doc opens: the connection limit counts
 * upgrades, not docs. The same office on `/v1/sync` needs 620 sockets, past the default
 * 600 connections per address per minute.
 */
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, docName, type DocName } from '@ferry/protocol'
import { muxClient, muxUrl, openRequest, type MuxClient } from '../helpers/mux-client.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { stopRelay } from '../helpers/restart-relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { covers, updateFrame } from '../helpers/sync-clients.ts'

const ACCOUNTS = 20
const DOCS_PER_ACCOUNT = 31

interface Account {
  userId: string
  token: string
  docs: Map<DocName, Y.Doc>
}

function docsOf(userId: string): DocName[] {
  const fixed = [docName(userId, 'workspace'), docName(userId, 'environments'), docName(userId, 'history')]
  const collections = Array.from({ length: DOCS_PER_ACCOUNT - fixed.length }, (_, i) => docName(userId, 'collection', `c${i}`))
  return [...fixed, ...collections]
}

let relay: TestRelay | null = null
const sockets: MuxClient[] = []
afterAll(async () => {
  for (const socket of sockets) socket.end()
  await relay?.close(true)
})

/** Opens every doc of `account` on one socket; resolves with the socket and the `opened` list. */
async function connect(on: TestRelay, account: Account): Promise<{ socket: MuxClient; opened: string[] }> {
  const socket = await muxClient(muxUrl(on.wsUrl, account.token))
  sockets.push(socket)
  socket.open([...account.docs].map(([name, ydoc]) => openRequest(name, ydoc)))
  return { socket, opened: (await socket.control('opened', 20_000)).docs as string[] }
}

describe('a reconnect storm from one address', () => {
  it('lets 20 accounts behind one address back in at once after a restart, with the default limits', async () => {
    relay = await startRelay()
    const accounts: Account[] = []
    for (let i = 0; i < ACCOUNTS; i++) {
      const userId = `office${i}`
      accounts.push({ userId, token: await sessionToken(relay, userId), docs: new Map(docsOf(userId).map((name) => [name, new Y.Doc()])) })
    }
    // Before the restart: every account writes to every doc and sees it stored.
    await Promise.all(accounts.map(async (account) => {
      const { socket, opened } = await connect(relay!, account)
      expect(opened).toHaveLength(DOCS_PER_ACCOUNT)
      for (const [name, ydoc] of account.docs) {
        ydoc.getText('t').insert(0, name)
        socket.send(name, updateFrame(Y.encodeStateAsUpdate(ydoc)))
      }
      for (const [name, ydoc] of account.docs) {
        while (!covers((await socket.doc(name, 'persisted')).stateVector, Y.encodeStateVector(ydoc)));
      }
    }))

    const restart = await stopRelay(relay)
    for (const socket of sockets.splice(0)) expect((await socket.closed).code).toBe(CloseCode.GoingAway)
    relay = await restart()

    // Everyone at once; each holds exactly what the relay stored, so no doc needs any sync frame.
    const results = await Promise.all(accounts.map((account) => connect(relay!, account)))
    for (const [i, { socket, opened }] of results.entries()) {
      expect(opened).toEqual([...accounts[i]!.docs.keys()])
      expect(socket.frames.filter((f) => f.channel === 'control' && f.message.type === 'refused')).toEqual([])
      for (const name of accounts[i]!.docs.keys()) expect(socket.messagesOf(name).map((m) => m.type)).toEqual(['persisted'])
    }
    expect(relay.app.sync.openSockets).toBe(ACCOUNTS)
    // Compared with the stored bytes' digest: no doc was loaded to answer them.
    expect(relay.app.sync.rooms).toBe(ACCOUNTS * DOCS_PER_ACCOUNT)
    expect(relay.app.sync.loadedRooms).toBe(0)
  })
})

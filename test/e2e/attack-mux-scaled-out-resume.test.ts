/**
 * Mux attack review, scaled out: a session that ends while another relay's Redis subscription
 * is down. Session ends reach the other relays as a Redis control message; pub/sub keeps
 * nothing for a subscriber that is away, so a relay whose subscription dropped for a moment
 * (a network blip, a Redis failover) never heard it and kept the ended session's sockets — a
 * token thief's mux socket stayed open until it disconnected. Now a relay whose subscription
 * comes back checks the session of every socket it holds.
 *
 * Relay A publishes on a Redis prefix of its own here, so relay B misses A's control messages
 * for certain (as during an outage); cutting B's subscriber then makes it reconnect.
 */
import { describe, expect, it } from 'vitest'
import { CloseCode, docName } from '@ferry/protocol'
import { uniqueEmail } from '../helpers/client-devices.ts'
import { call } from '../helpers/http.ts'
import { muxClient, muxUrl, openRequest, type MuxClient } from '../helpers/mux-client.ts'
import { cutSubscribers, uniqueRedisPrefix } from '../helpers/redis.ts'
import { skipScaledOut, useScaledOut } from '../helpers/scaled-out.ts'
import { signIn, signUpEmail } from '../helpers/sessions.ts'

function closedWithin(client: MuxClient, ms: number): Promise<{ code: number } | 'open'> {
  let timer: NodeJS.Timeout | undefined
  const open = new Promise<'open'>((resolve) => (timer = setTimeout(() => resolve('open'), ms)))
  return Promise.race([client.closed, open]).finally(() => clearTimeout(timer))
}

describe.skipIf(skipScaledOut)('a session ended while a relay was not hearing Redis', { timeout: 60_000 }, () => {
  const { relay } = useScaledOut()

  it('closes its sockets there (4401) once that relay hears Redis again; other sessions stay', async () => {
    const prefixB = uniqueRedisPrefix()
    const a = await relay({ REDIS_PREFIX: uniqueRedisPrefix() })
    const b = await relay({ REDIS_PREFIX: prefixB })
    const email = uniqueEmail('mux-resume')
    await signUpEmail(a, email)
    const [thief, owner] = [await signIn(a, email), await signIn(a, email)]
    const workspace = docName(thief.userId, 'workspace')
    const stolen = await muxClient(muxUrl(b.wsUrl, thief.accessToken))
    const kept = await muxClient(muxUrl(b.wsUrl, owner.accessToken))
    for (const socket of [stolen, kept]) {
      socket.open([openRequest(workspace)])
      await socket.control('opened')
    }

    expect((await call(a, 'POST', '/v1/auth/logout', undefined, { refreshToken: thief.refreshToken })).status).toBe(204)
    expect(await closedWithin(stolen, 1_000)).toBe('open') // B did not hear it

    expect(await cutSubscribers(prefixB)).toBe(1)
    expect(await closedWithin(stolen, 5_000)).toMatchObject({ code: CloseCode.Unauthenticated })
    expect(kept.ws.readyState).toBe(kept.ws.OPEN)
    kept.end()
  })
})

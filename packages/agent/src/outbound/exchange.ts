/**
 * One HTTP exchange with a target: connects only to addresses `checkAddress` accepted (literal
 * IPs are checked before connecting, names after resolving, and the socket goes to exactly the
 * checked address — a name cannot resolve to something else a moment later), sends the request
 * and resolves with the response head. The body is left to the caller.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import type { Duplex } from 'node:stream'
import { SendFailed } from './failures.ts'

/** Answers why an address may not be reached, or null when it may. */
export type AddressCheck = (address: string, family: number) => string | null

export interface Exchange {
  readonly url: URL
  readonly method: string
  /** Flat `[name, value]` rows, as they go out. */
  readonly headers: readonly (readonly [string, string])[]
  readonly body: Uint8Array | null
  readonly checkAddress: AddressCheck | undefined
  readonly signal: AbortSignal
}

/** A name resolved with every answer checked; one refused answer refuses the name (a mixed answer is an attempt). */
function checkedLookup(check: AddressCheck): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0)
      for (const { address, family } of addresses) {
        const refusal = check(address, family)
        if (refusal) return callback(new SendFailed('refused_target', `${hostname} resolves to ${address}: ${refusal}`), '', 0)
      }
      const first = addresses[0]
      if (!first) return callback(new SendFailed('unreachable', `The name ${hostname} has no address.`), '', 0)
      // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily), else for one.
      if (options.all) (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses)
      else callback(null, first.address, first.family)
    })
  }
}

export function exchange(step: Exchange): Promise<IncomingMessage> {
  const hostname = step.url.hostname.replace(/^\[|\]$/g, '')
  const family = isIP(hostname)
  if (family !== 0 && step.checkAddress) {
    const refusal = step.checkAddress(hostname, family)
    if (refusal) return Promise.reject(new SendFailed('refused_target', `${hostname}: ${refusal}`))
  }
  const send = step.url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const outgoing = send(step.url, {
      method: step.method,
      headers: step.headers.flat(),
      // A fresh connection per exchange: a pooled socket would skip the address check.
      agent: false,
      signal: step.signal,
      ...(step.checkAddress && { lookup: checkedLookup(step.checkAddress) }),
    })
    outgoing.once('response', resolve)
    outgoing.once('error', reject)
    // A tunnel (CONNECT) or protocol switch (101) is not a response: Node hands over the socket
    // and, without these, neither answers nor fails — the send would wait for ever.
    const switched = (response: IncomingMessage, socket: Duplex) => {
      socket.destroy()
      reject(new SendFailed('bad_response', `${step.url.host} answered ${response.statusCode ?? ''} to switch protocols or open a tunnel; only plain HTTP answers can be shown.`))
    }
    outgoing.once('connect', switched).once('upgrade', switched)
    // Settled already when the exchange answered or failed; this catches a close with neither.
    outgoing.once('close', () => reject(new SendFailed('unreachable', `The connection to ${step.url.host} closed before an answer.`)))
    outgoing.end(step.body ?? undefined)
  })
}

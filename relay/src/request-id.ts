/**
 * Request ids: every log line of a request carries `reqId`, and the response says it in
 * `x-request-id`, so a user's report can be matched to the relay's log. An id a proxy in front
 * set (`x-request-id`) is kept only when the relay trusts a proxy (`TRUST_PROXY`) and the id is
 * short and plain (letters, digits, `.`, `_`, `:`, `-`); anything else — from a client that
 * could otherwise forge or garble log lines — is replaced by a random one.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export const REQUEST_ID_HEADER = 'x-request-id'
const PLAIN_ID = /^[A-Za-z0-9._:-]{1,64}$/

/** Fastify's `genReqId` for a relay that trusts (or not) the proxy in front of it. */
export function requestIds(trustProxy: boolean | string): (request: IncomingMessage) => string {
  const trusted = trustProxy !== false
  return (request) => {
    const given = trusted ? request.headers[REQUEST_ID_HEADER] : undefined
    return typeof given === 'string' && PLAIN_ID.test(given) ? given : randomUUID()
  }
}

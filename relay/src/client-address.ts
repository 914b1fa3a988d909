/**
 * The client's address for per-IP limits on requests Fastify does not route (WebSocket
 * upgrades go to the HTTP server directly): the same rule as Fastify's `request.ip` under
 * `TRUST_PROXY` — the socket's address, or with trusted proxies the first untrusted address
 * in X-Forwarded-For — so clients behind one proxy are not all one client.
 */
import type { IncomingMessage } from 'node:http'
import proxyAddr from '@fastify/proxy-addr'

export function clientAddress(trustProxy: boolean | string): (req: IncomingMessage) => string {
  if (trustProxy === false) return (req) => req.socket.remoteAddress ?? ''
  const trust = trustProxy === true ? () => true : proxyAddr.compile(trustProxy.split(',').map((a) => a.trim()))
  return (req) => proxyAddr(req, trust)
}

/**
 * Which addresses the send proxy may reach (SSRF): none of the relay's own network — loopback,
 * private, carrier-grade NAT, link-local (cloud metadata at 169.254.169.254), multicast,
 * unspecified, and their IPv6 forms — unless the operator allow-listed them. IPv4-mapped IPv6
 * addresses (`::ffff:127.0.0.1`) are judged as the IPv4 address they carry (BlockList does).
 * Names are judged by what they resolve to, at connect time (see the agent's exchange.ts).
 */
import { BlockList, isIP } from 'node:net'

const REFUSED_V4: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
]
const REFUSED_V6: readonly [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128],
  // Prefixes that carry an IPv4 address a translator or tunnel may deliver to, private ones included:
  ['::', 96], // IPv4-compatible (deprecated), ::a00:1 is 10.0.0.1
  ['::ffff:0:0:0', 96], // SIIT IPv4-translated
  ['64:ff9b::', 96], // NAT64 well-known prefix
  ['64:ff9b:1::', 48], // NAT64 local-use prefix
  ['2002::', 16], // 6to4
  ['2001::', 32], // Teredo
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // old site-local
  ['ff00::', 8], // multicast
]

const refused = new BlockList()
for (const [net, prefix] of REFUSED_V4) refused.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of REFUSED_V6) refused.addSubnet(net, prefix, 'ipv6')

/** Builds the operator's allow-list; throws a sentence naming an entry that is neither an address nor a CIDR. */
export function allowList(entries: readonly string[]): BlockList {
  const allowed = new BlockList()
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/')
    const family = isIP(address)
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix)
    if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
      throw new Error(`SEND_PROXY_ALLOW: "${entry}" is not an IP address or CIDR (such as 10.0.0.0/8 or fd00::/8).`)
    }
    allowed.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4')
  }
  return allowed
}

/** The proxy's address check: a reason for a refused address, null for one it may reach. */
export function targetCheck(allowed: BlockList) {
  return (address: string, family: number): string | null => {
    const type = family === 6 ? 'ipv6' : 'ipv4'
    if (!refused.check(address, type) || allowed.check(address, type)) return null
    return 'the relay does not send to loopback, private, link-local or multicast addresses. Use the Ferry agent (npx ferry-agent) for APIs on your own network.'
  }
}

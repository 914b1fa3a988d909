/**
 * A local HTTP API that does NOT allow browsers (no CORS headers at all): the target the
 * agent, the relay's send proxy and the demo's send path are tested against.
 * - `/echo…`: JSON of the method, path, headers and body (base64) it received
 * - `/redirect?to=<url>&status=302`: redirects there
 * - `/loop`: redirects to itself
 * - `/login`: sets a cookie and redirects to `/echo`
 * - `/binary`: the 256 byte values; `/gzip`: a gzipped text; `/bytes?n=N`: N bytes of "x", in 64 KiB writes
 * - `/drip`: "first part", then after 3 s "last part"
 * - `/silent`: never answers
 */
import { createServer, type Server } from 'node:http'
import { gzipSync } from 'node:zlib'

export interface EchoServer {
  /** `http://<host>:<port>` */
  readonly url: string
  readonly port: number
  /** `METHOD path` of every request that reached it, in order. */
  readonly hits: string[]
  close(): Promise<void>
}

export const BINARY_BODY = Uint8Array.from({ length: 256 }, (_, i) => i)

export async function startEchoServer(host = '127.0.0.1'): Promise<EchoServer> {
  const hits: string[] = []
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`)
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://echo')
      if (url.pathname === '/redirect') {
        res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') ?? '/echo' })
        return void res.end()
      }
      if (url.pathname === '/loop') return void res.writeHead(302, { location: '/loop' }).end()
      if (url.pathname === '/login') {
        res.writeHead(302, { location: '/echo/after-login', 'set-cookie': ['session=s3ss10n; Path=/; HttpOnly', 'gone=x; Max-Age=0'] })
        return void res.end()
      }
      if (url.pathname === '/binary') return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(BINARY_BODY)
      if (url.pathname === '/gzip') return void res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(gzipSync('unzipped text'))
      if (url.pathname === '/silent') return
      if (url.pathname === '/drip') {
        res.writeHead(200, { 'content-type': 'text/plain' }).write('first part\n')
        return void setTimeout(() => res.end('last part\n'), 3000)
      }
      if (url.pathname === '/bytes') {
        let left = Number(url.searchParams.get('n') ?? 0)
        res.writeHead(200, { 'content-type': 'text/plain' })
        const more = () => {
          while (left > 0) {
            const size = Math.min(left, 64 * 1024)
            left -= size
            if (!res.write(Buffer.alloc(size, 'x'))) return void res.once('drain', more)
          }
          res.end()
        }
        return more()
      }
      const body = Buffer.concat(chunks)
      res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'ferry-echo' })
      res.end(JSON.stringify({ method: req.method, path: req.url, headers: req.headers, body: body.toString('base64') }))
    })
  })
  await new Promise<void>((done) => server.listen(0, host, done))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://${host}:${port}`,
    port,
    hits,
    close: () => new Promise((done) => {
      server.closeAllConnections()
      server.close(() => done())
    }),
  }
}

/**
 * `ferry-relay serve` (the default): run the relay on the configured data dir or database
 * (migrating it first, under the data dir's lock), listen, and shut down cleanly on
 * SIGINT/SIGTERM.
 */
import { buildApp } from '../app.ts'
import { isLoopback, type Config } from '../config.ts'

const SHUTDOWN_DEADLINE_MS = 10_000

export async function serve(config: Config): Promise<void> {
  const app = await buildApp(config)
  await app.listen({ host: config.host, port: config.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  console.log(`Ferry relay listening on ${config.tls ? 'https' : 'http'}://${config.host}:${port}`)
  console.log(`Data dir: ${config.dataDir}`)
  console.log(config.smtpUrl ? `Mail goes out through ${new URL(config.smtpUrl).host}` : `Mail is written to ${config.dataDir}/outbox/ (no SMTP_URL set)`)
  if (!config.tls && !isLoopback(config.host)) {
    console.warn(
      '\n!!! WARNING: listening on a non-loopback address without TLS. Passwords and tokens will\n' +
        '!!! cross the network in clear. Set TLS_CERT and TLS_KEY, or put a TLS proxy in front.\n',
    )
  }

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    app.log.info({ signal }, 'shutting down')
    const deadline = setTimeout(() => {
      console.error('Shutdown took too long; exiting.')
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS)
    deadline.unref()
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('Shutdown failed:', err)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

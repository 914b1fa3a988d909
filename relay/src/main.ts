/**
 * The relay's CLI: parse config once, listen, shut down cleanly on SIGINT/SIGTERM.
 * `npm start` at the repository root runs this.
 */
import { buildApp } from './app.ts'
import { ConfigError, isLoopback, loadConfig } from './config.ts'
import { DataDirLockedError } from './data-dir.ts'

const SHUTDOWN_DEADLINE_MS = 10_000

async function main(): Promise<void> {
  const config = loadConfig(process.env)
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

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DataDirLockedError) {
    console.error(`Ferry relay cannot start: ${err.message}`)
  } else {
    console.error('Ferry relay failed to start:', err)
  }
  process.exit(1)
})

/**
 * `npx ferry-agent`: sends Ferry's requests from this machine, so APIs that do not allow
 * browsers (CORS) can be called and secrets never pass through a server. Listens on
 * 127.0.0.1 only; prints a pairing code to type into Ferry's settings.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Pairings } from './pairing.ts'
import { createAgentServer } from './server.ts'

export const DEFAULT_AGENT_PORT = 47110

const usage = `Usage: ferry-agent [--port ${DEFAULT_AGENT_PORT}] [--origin https://ferry.example]… [--max-response-mb 100] [--state FILE]

  --port             port on 127.0.0.1 (default ${DEFAULT_AGENT_PORT}; 0 picks a free one)
  --origin           only this page origin may pair (repeat for several; default: any page that has the code)
  --max-response-mb  largest response body passed on (default 100)
  --state            where pairings are kept (default ~/.ferry-agent/pairings.json)`

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`)
  process.exit(2)
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: String(DEFAULT_AGENT_PORT) },
        origin: { type: 'string', multiple: true, default: [] },
        'max-response-mb': { type: 'string', default: '100' },
        state: { type: 'string', default: join(homedir(), '.ferry-agent', 'pairings.json') },
        help: { type: 'boolean', default: false },
      },
    })
  } catch (error) {
    return fail((error as Error).message)
  }
})()
if (values.help) {
  console.log(usage)
  process.exit(0)
}
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, not "${values.port}".`)
const maxMb = Number(values['max-response-mb'])
if (!(maxMb > 0)) fail(`--max-response-mb must be a positive number, not "${values['max-response-mb']}".`)
const origins = values.origin.map((o) => {
  try {
    return new URL(o).origin
  } catch {
    return fail(`--origin must be a page origin such as https://ferry.example, not "${o}".`)
  }
})

const showCode = (code: string) => console.log(`Pairing code: ${code}   (in Ferry: the gear on the response panel → Send settings)`)
let listening = false
// The first code is shown once the agent listens; later ones (after a pairing or wrong guesses) at once.
const pairings = (() => {
  try {
    return new Pairings({ file: values.state, allowedOrigins: origins, onNewCode: (code) => listening && showCode(code) })
  } catch (error) {
    console.error((error as Error).message)
    return process.exit(1)
  }
})()
const server = createAgentServer({ pairings, maxResponseBytes: Math.round(maxMb * 1024 * 1024) })
server.on('error', (error: NodeJS.ErrnoException) => {
  console.error(error.code === 'EADDRINUSE' ? `Port ${port} on 127.0.0.1 is in use (another agent?). Start with --port.` : `The agent stopped: ${error.message}`)
  process.exit(1)
})
server.listen(port, '127.0.0.1', () => {
  const address = server.address()
  console.log(`Ferry agent listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`)
  listening = true
  showCode(pairings.code)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)))

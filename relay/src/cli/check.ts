/**
 * `ferry-relay check`: validates what `serve` would start with — the settings, TLS files, the
 * keys, the data dir or PostgreSQL and Redis — without changing anything (no key is
 * generated, no migration runs). Each finding is one line: `ok`, `note` (fine, but worth
 * knowing) or `PROBLEM` (the relay would not start, or would start wrong). Exit code 1 when
 * there is a problem.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createSecureContext } from 'node:tls'
import { ConfigError, isLoopback, loadConfig, type Config, type Env } from '../config.ts'
import { checkDataDir, checkKeys, checkMasterKeyOnDisk, checkPostgres, checkRedis, type Findings } from './check-storage.ts'

async function checkTls(config: Config, findings: Findings): Promise<void> {
  if (!config.tls) {
    if (isLoopback(config.host)) findings.ok(`Listens on ${config.host}:${config.port} (loopback, plain HTTP is fine).`)
    else findings.note(`Listens on ${config.host}:${config.port} without TLS: put a TLS proxy in front, or set TLS_CERT and TLS_KEY.`)
    return
  }
  try {
    const [cert, key] = await Promise.all([readFile(config.tls.cert), readFile(config.tls.key)])
    createSecureContext({ cert, key })
    findings.ok(`TLS certificate ${config.tls.cert} and key ${config.tls.key} load and belong together.`)
  } catch (error) {
    findings.problem(`TLS_CERT/TLS_KEY do not load: ${(error as Error).message}.`)
  }
}

function checkDemo(config: Config, findings: Findings): void {
  if (config.demoDir === null) return
  if (existsSync(join(config.demoDir, 'index.html'))) findings.ok(`Serves the demo from ${config.demoDir}.`)
  else findings.problem(`FERRY_DEMO_DIR is ${config.demoDir}, which has no index.html: build the demo (npm run build) or unset it.`)
}

export async function check(env: Env): Promise<number> {
  const lines: string[] = []
  let problems = 0
  const findings: Findings = {
    ok: (text) => lines.push(`ok       ${text}`),
    note: (text) => lines.push(`note     ${text}`),
    problem: (text) => {
      problems++
      lines.push(`PROBLEM  ${text}`)
    },
  }
  let config: Config | null = null
  try {
    config = loadConfig(env)
    findings.ok('Settings parse.')
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    findings.problem(`${error.message}. Nothing else can be checked until this is fixed.`)
  }
  if (config) {
    await checkTls(config, findings)
    checkDemo(config, findings)
    if (config.databaseUrl === null) await checkDataDir(config, findings)
    const master = checkKeys(config, findings)
    if (master && config.databaseUrl === null) await checkMasterKeyOnDisk(config, master, findings)
    if (config.databaseUrl !== null) await checkPostgres(config.databaseUrl, master, findings)
    if (config.redisUrl !== null) await checkRedis(config.redisUrl, findings)
    if (config.smtpUrl === null) findings.note(`No SMTP_URL: mail is written to ${join(config.dataDir, 'outbox')} instead of being sent.`)
  }
  console.log(lines.join('\n'))
  console.log(problems === 0 ? 'No problems found.' : `${problems} problem${problems === 1 ? '' : 's'} found.`)
  return problems === 0 ? 0 : 1
}

/**
 * `ferry-relay`, the relay's command line: `relay/dist/ferry-relay.js` once built (`npm run
 * build`), or `npm run relay -- <command>` from the sources. `serve` is the default; the
 * commands are listed in `cli/args.ts`. Settings are parsed once from the environment.
 */
import { parseArgs, USAGE, UsageError, type Command } from './cli/args.ts'
import { backupCommand, restoreCommand } from './cli/backup.ts'
import { check } from './cli/check.ts'
import { CommandError } from './cli/command-error.ts'
import { migrate } from './cli/migrate.ts'
import { serve } from './cli/serve.ts'
import { users } from './cli/users.ts'
import { ConfigError, loadConfig } from './config.ts'
import { DataDirLockedError } from './data-dir.ts'
import { DataDirFormatError } from './storage/data-dir-format.ts'

/** Runs `command`; resolves with the exit code, or null while the relay serves. */
async function run(command: Command): Promise<number | null> {
  if (command.name === 'help') {
    console.log(USAGE)
    return 0
  }
  // `check` reports a bad setting among its findings instead of stopping at it.
  if (command.name === 'check') return check(process.env)
  const config = loadConfig(process.env)
  switch (command.name) {
    case 'serve':
      await serve(config)
      return null
    case 'migrate':
      return migrate(config)
    case 'backup':
      return backupCommand(config, command.file, command.withKeys)
    case 'restore':
      return restoreCommand(config, command.file, command.force)
    case 'users':
      return users(config, command)
  }
}

/** Errors whose message is a sentence meant for the operator; anything else is a bug and shows its stack. */
const explained = (error: unknown): error is Error =>
  error instanceof ConfigError || error instanceof DataDirLockedError || error instanceof DataDirFormatError || error instanceof CommandError

let command: Command
try {
  command = parseArgs(process.argv.slice(2))
} catch (error) {
  if (!(error instanceof UsageError)) throw error
  console.error(`${error.message}\n\n${USAGE}`)
  process.exit(2)
}
const failed = command.name === 'serve' ? 'Ferry relay cannot start' : `ferry-relay ${command.name} failed`
run(command).then(
  (code) => {
    if (code !== null) process.exitCode = code
  },
  (error: unknown) => {
    if (explained(error)) console.error(`${failed}: ${error.message}`)
    else console.error(`${failed}:`, error)
    process.exit(1)
  },
)

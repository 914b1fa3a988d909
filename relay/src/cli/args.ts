/**
 * The `ferry-relay` command line, parsed once into a `Command`; anything else is a usage
 * error with a sentence saying what was wrong. Settings come from the environment, as for
 * `serve` (see `.env.example`), never from flags.
 */

export type Command =
  | { readonly name: 'serve' }
  | { readonly name: 'migrate' }
  | { readonly name: 'check' }
  | { readonly name: 'help' }
  | { readonly name: 'backup'; readonly file: string; readonly withKeys: boolean }
  | { readonly name: 'restore'; readonly file: string; readonly force: boolean }
  | { readonly name: 'users'; readonly action: 'list' }
  | { readonly name: 'users'; readonly action: 'disable' | 'enable' | 'delete'; readonly email: string }

export const USAGE = `Usage: ferry-relay [command]

Commands:
  serve                    run the relay (the default)
  migrate                  bring the data dir or database up to this version, then exit
  check                    validate the settings, keys and storage; exit 1 on a problem
  backup <file> [--with-keys]
                           write a consistent backup of the data dir while the relay runs
                           (--with-keys: with keys/, else keep the master key apart)
  restore <file> [--force] restore a backup into an empty data dir (--force: replace its content)
  users list               list the accounts
  users disable <email>    stop an account signing in, and end its sessions
  users enable <email>     let a disabled account sign in again
  users delete <email>     delete an account and everything it owns (docs, links,
                           vault, avatar, sessions)
  (on the embedded store the users commands run with the relay stopped)

Settings come from the environment (see .env.example); FERRY_DATA_DIR picks the data dir.`

export class UsageError extends Error {
  override name = 'UsageError'
}

function exactly(args: readonly string[], count: number, what: string): void {
  if (args.length < count) throw new UsageError(`${what} is missing.`)
  if (args.length > count) throw new UsageError(`Unexpected argument "${args[count]}".`)
}

/** Takes the command's one option out of `args`; any other `--` argument is a usage error. */
function option(args: readonly string[], command: string, name: string): { flag: boolean; files: string[] } {
  const files = args.filter((arg) => arg !== name)
  const unknown = files.find((arg) => arg.startsWith('--'))
  if (unknown) throw new UsageError(`Unknown option "${unknown}"; ${command} takes only ${name}.`)
  return { flag: files.length < args.length, files }
}

export function parseArgs(argv: readonly string[]): Command {
  const [name = 'serve', ...rest] = argv
  switch (name) {
    case 'serve':
    case 'migrate':
    case 'check':
      exactly(rest, 0, '')
      return { name }
    case 'help':
    case '--help':
    case '-h':
      return { name: 'help' }
    case 'backup': {
      const { flag: withKeys, files } = option(rest, name, '--with-keys')
      exactly(files, 1, 'The file to write the backup to')
      return { name, file: files[0]!, withKeys }
    }
    case 'restore': {
      const { flag: force, files } = option(rest, name, '--force')
      exactly(files, 1, 'The backup file to restore')
      return { name, file: files[0]!, force }
    }
    case 'users': {
      const [action, ...params] = rest
      if (action === 'list') {
        exactly(params, 0, '')
        return { name, action }
      }
      if (action === 'disable' || action === 'enable' || action === 'delete') {
        exactly(params, 1, `The email of the account to ${action}`)
        return { name, action, email: params[0]! }
      }
      throw new UsageError(action === undefined ? 'users needs an action: list, disable, enable or delete.' : `Unknown users action "${action}"; use list, disable, enable or delete.`)
    }
    default:
      throw new UsageError(`Unknown command "${name}".`)
  }
}

/**
 * `ferry-relay users list|disable|enable|delete`: account administration from the host.
 */
import type { Config } from '../config.ts'
import type { Command } from './args.ts'
import { CommandError } from './command-error.ts'

export async function users(_config: Config, command: Extract<Command, { name: 'users' }>): Promise<number> {
  throw new CommandError(`users ${command.action} is not available yet`)
}

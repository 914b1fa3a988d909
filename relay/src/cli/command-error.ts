/** A command that cannot do what was asked, with a sentence saying why (printed without a stack). */
export class CommandError extends Error {
  override name = 'CommandError'
}

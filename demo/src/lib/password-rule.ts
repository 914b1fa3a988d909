/**
 * The relay's rule for new passwords, as the sign-up and reset forms state and check it. The
 * limits are @ferry/protocol's, the ones the relay's schemas enforce.
 */
import { characterCount, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '@ferry/protocol'

export const PASSWORD_HINT = `At least ${MIN_PASSWORD_LENGTH} characters.`
export const PASSWORD_TOO_SHORT = `Use a password of at least ${MIN_PASSWORD_LENGTH} characters.`
export const PASSWORD_TOO_LONG = `Use a password of at most ${MAX_PASSWORD_LENGTH} characters.`

/** What is wrong with a new password, or null when the relay will take it. */
export function passwordProblem(password: string): string | null {
  const length = characterCount(password)
  if (length < MIN_PASSWORD_LENGTH) return PASSWORD_TOO_SHORT
  if (length > MAX_PASSWORD_LENGTH) return PASSWORD_TOO_LONG
  return null
}

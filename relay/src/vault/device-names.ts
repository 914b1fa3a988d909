/**
 * Names of an account's devices. A new device is named from its browser and system ("Chrome
 * on Linux"), so two of the same kind would read alike in the list; the second gets "(2)".
 */
import { MAX_NAME_LENGTH } from '@ferry/protocol'

/** `name`, or `name (n)` with the smallest n ≥ 2 that no live device of the account is called already. */
export function distinctName(name: string, taken: readonly string[]): string {
  const names = new Set(taken)
  if (!names.has(name)) return name
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`
    const candidate = `${name.slice(0, MAX_NAME_LENGTH - suffix.length)}${suffix}`
    if (!names.has(candidate)) return candidate
  }
}

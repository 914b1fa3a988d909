/**
 * Checks every value of a file before anything is read from it, without recursion: what
 * would read differently on another device or break storage is refused, by path.
 * - a `__proto__` key: `JSON.parse` makes it an ordinary key, but assigning it anywhere sets a
 *   prototype instead;
 * - a string or key with an unpaired surrogate (valid JSON, `"\ud800"`): Yjs's text encoding
 *   turns it into U+FFFD on the other devices only;
 * - values nested deeper than MAX_VALUE_DEPTH outside the folder tree: encoders that recurse
 *   (Yjs's, `JSON.stringify`) overflow the stack on them, and no real collection nests so.
 */
import type { Json } from '../model.ts'
import { isObject, scalar } from './json.ts'

export const MAX_VALUE_DEPTH = 200

export interface ValueIssue {
  path: string
  item: string
  message: string
}

interface Step {
  value: Json
  parent: Step | undefined
  key: string
  depth: number
  /** Whether `value` is the collection or one of its folders or requests. */
  node: boolean
}

const wellFormed = (s: string): boolean => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)

function pathOf(step: Step): string {
  const parts: string[] = []
  for (let at: Step | undefined = step; at?.parent; at = at.parent) parts.push(at.key)
  return parts.reverse().join('/')
}

function namesOf(step: Step): string {
  const names: string[] = []
  for (let at: Step | undefined = step; at; at = at.parent) if (at.node && at.parent && isObject(at.value)) names.push(scalar(at.value.name))
  return names.reverse().join(' / ')
}

/** The first problems of `file`'s values (at most `max`), in document order. */
export function checkValues(file: Json, max: number): ValueIssue[] {
  const issues: ValueIssue[] = []
  const report = (step: Step, message: string): void => void issues.push({ path: pathOf(step), item: namesOf(step), message })
  const stack: Step[] = [{ value: file, parent: undefined, key: '', depth: 0, node: true }]
  while (stack.length > 0 && issues.length < max) {
    const step = stack.pop()!
    const { value } = step
    if (typeof value === 'string') {
      if (!wellFormed(value)) report(step, 'holds an unpaired surrogate (not valid text)')
      continue
    }
    if (value === null || typeof value !== 'object') continue
    if (step.depth > MAX_VALUE_DEPTH) {
      report(step, `values are nested deeper than ${MAX_VALUE_DEPTH} levels`)
      continue
    }
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value)
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!
      if (!Array.isArray(value) && key === '__proto__') report({ value: child, parent: step, key, depth: 0, node: false }, 'a "__proto__" key cannot be kept')
      if (!Array.isArray(value) && !wellFormed(key)) report({ value: child, parent: step, key, depth: 0, node: false }, 'a key holds an unpaired surrogate (not valid text)')
      // The folder tree may nest deeply (items of items); everything else counts.
      const list = step.node && key === 'item' && Array.isArray(child)
      const inTree = !Array.isArray(value) ? false : step.parent?.node === true && step.key === 'item'
      stack.push({ value: child, parent: step, key, depth: list || inTree ? 0 : step.depth + 1, node: inTree })
    }
  }
  return issues
}

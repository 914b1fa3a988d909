/**
 * Fractional-index order keys: strings that sort (plain `<` on strings) in list order, so a
 * move or an insert writes one key and never renumbers siblings.
 *
 * A key is an integer part followed by a fraction, both in base-62 digits `0-9A-Za-z`
 * (ASCII order = numeric order). The integer part's head letter carries its length —
 * `a`..`z` for non-negative integers of 1..26 digits, `Z`..`A` for negative ones — so
 * appending at either end increments or decrements an integer and keys grow only with the
 * logarithm of the list length. The fraction never ends in `0`, so there is always room
 * below a key.
 *
 * Every generated key ends in a random tie-break suffix: two replicas inserting at the same
 * spot while offline produce different keys (collision odds ≈ 1 in 14 million per pair) and
 * both items survive, in a deterministic order.
 */
import { cryptoRandom, type RandomSource } from './random.ts'

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const BASE = DIGITS.length
/** Characters of random tie-break appended to each generated key. */
const SUFFIX_LENGTH = 4

const digit = (i: number): string => DIGITS[i]!
const valueOf = (ch: string | undefined): number => (ch === undefined ? 0 : DIGITS.indexOf(ch))

/** Length of the integer part announced by its head character, or 0 for an invalid head. */
function integerLength(head: string | undefined): number {
  if (head === undefined) return 0
  if (head >= 'a' && head <= 'z') return head.charCodeAt(0) - 97 + 2
  if (head >= 'A' && head <= 'Z') return 90 - head.charCodeAt(0) + 2
  return 0
}

const KEY_CHARS = /^[0-9A-Za-z]+$/

/** Whether `s` is a well-formed order key (what a peer may legitimately have written). */
export function isOrderKey(s: unknown): s is string {
  if (typeof s !== 'string' || s.length > 1024 || !KEY_CHARS.test(s)) return false
  const n = integerLength(s[0])
  if (n === 0 || s.length < n) return false
  return s.length === n || !s.endsWith('0')
}

/** A fraction strictly between `a` and `b` (`b` null = 1); never a prefix of `b`. */
function midpoint(a: string, b: string | null): string {
  if (b !== null) {
    let n = 0
    while (n < b.length && (a[n] ?? '0') === b[n]) n++
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n))
  }
  const da = valueOf(a[0])
  const db = b === null ? BASE : valueOf(b[0])
  if (db - da > 1) return digit(Math.round((da + db) / 2))
  return digit(da) + midpoint(a.slice(1), null)
}

/** The next integer part, or null past the largest one. */
function increment(int: string): string | null {
  const head = int[0]!
  const digits = [...int.slice(1)]
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = valueOf(digits[i]) + 1
    if (d < BASE) {
      digits[i] = digit(d)
      return head + digits.join('')
    }
    digits[i] = '0'
  }
  if (head === 'Z') return 'a0'
  if (head === 'z') return null
  const next = String.fromCharCode(head.charCodeAt(0) + 1)
  return head < 'a' ? next + digits.slice(1).join('') : next + digits.join('') + '0'
}

/** The previous integer part, or null below the smallest one. */
function decrement(int: string): string | null {
  const head = int[0]!
  const digits = [...int.slice(1)]
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = valueOf(digits[i]) - 1
    if (d >= 0) {
      digits[i] = digit(d)
      return head + digits.join('')
    }
    digits[i] = digit(BASE - 1)
  }
  if (head === 'a') return 'Z' + digit(BASE - 1)
  if (head === 'A') return null
  const prev = String.fromCharCode(head.charCodeAt(0) - 1)
  return head > 'Z' ? prev + digits.slice(1).join('') : prev + digits.join('') + digit(BASE - 1)
}

const split = (key: string): [string, string] => {
  const n = integerLength(key[0])
  return [key.slice(0, n), key.slice(n)]
}

function plainBetween(a: string | null, b: string | null): string {
  if (a === null && b === null) return 'a0'
  if (a === null) {
    const [ib, fb] = split(b!)
    const lower = decrement(ib)
    if (lower !== null) return lower
    if (fb === '') throw new RangeError('order key space exhausted below')
    return ib + midpoint('', fb)
  }
  const [ia, fa] = split(a)
  if (b !== null) {
    const [ib, fb] = split(b)
    if (ia === ib) return ia + midpoint(fa, fb)
  }
  const next = increment(ia)
  return next !== null && (b === null || next < b) ? next : ia + midpoint(fa, null)
}

function randomDigits(random: RandomSource): string {
  const bytes = random(new Uint8Array(SUFFIX_LENGTH))
  let out = ''
  for (let i = 0; i < SUFFIX_LENGTH; i++) {
    // The last digit is never '0' so the result stays a valid key.
    const last = i === SUFFIX_LENGTH - 1
    out += last ? digit(1 + (bytes[i]! % (BASE - 1))) : digit(bytes[i]! % BASE)
  }
  return out
}

/**
 * A new key strictly between `a` and `b` (null = open end), with a random tie-break suffix.
 * Both must be valid keys (`isOrderKey`) with `a < b`; otherwise this throws a RangeError —
 * callers pick neighbours from validated, sorted siblings.
 */
export function keyBetween(a: string | null, b: string | null, random: RandomSource = cryptoRandom): string {
  if ((a !== null && !isOrderKey(a)) || (b !== null && !isOrderKey(b))) throw new RangeError('invalid order key')
  if (a !== null && b !== null && a >= b) throw new RangeError(`order keys out of order: ${a} >= ${b}`)
  let key = plainBetween(a, b)
  // The suffix must not lift the key past `b`, which it would if the key were b's prefix.
  if (b !== null && b.startsWith(key)) key += midpoint('', b.slice(key.length))
  return key + randomDigits(random)
}

/**
 * `n` new keys strictly between `a` and `b`, in order, by bisection: they grow with the
 * logarithm of `n` (placing n items one after another with `keyBetween` would grow them with n).
 */
export function keysBetween(a: string | null, b: string | null, n: number, random: RandomSource = cryptoRandom): string[] {
  const out: string[] = new Array(n)
  const stack: [string | null, string | null, number, number][] = [[a, b, 0, n]]
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [lo, hi, from, to] = next
    if (from >= to) continue
    const mid = (from + to) >> 1
    const key = keyBetween(lo, hi, random)
    out[mid] = key
    stack.push([lo, key, from, mid], [key, hi, mid + 1, to])
  }
  return out
}

/** Compares two ordered entries by key, then id, so equal keys still sort the same everywhere. */
export function compareOrder(x: { order: string; id: string }, y: { order: string; id: string }): number {
  if (x.order !== y.order) return x.order < y.order ? -1 : 1
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0
}

/**
 * The key that places an item at `index` among `siblings` (sorted by `compareOrder`, not
 * containing the item itself). Index past the end appends. Equal neighbouring keys (a hostile
 * peer, or a 1-in-14-million suffix collision) put the item right after the run of equals.
 */
export function keyAt(siblings: readonly { order: string }[], index: number, random: RandomSource = cryptoRandom): string {
  const at = Math.max(0, Math.min(index, siblings.length))
  const before = at > 0 ? siblings[at - 1]!.order : null
  let next = at
  while (before !== null && next < siblings.length && siblings[next]!.order <= before) next++
  const after = next < siblings.length ? siblings[next]!.order : null
  return keyBetween(before, after, random)
}

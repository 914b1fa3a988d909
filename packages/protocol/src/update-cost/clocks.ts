/**
 * What the scan (scan.ts) needs to give an update's state vector without decoding it: the
 * structs' clocks followed as yjs follows them, and the length yjs gives a string.
 */
/**
 * Follows the structs of an update as `Y.encodeStateVectorFromUpdate` does (yjs 13.6), quirks
 * included: a client's clock stops at its first gap (a Skip, or a first struct past clock 0),
 * and a client met in two groups apart is listed twice.
 */
export class ClockCounter {
  /** Set when a string is not UTF-8 or JSON text must be parsed: the walk cannot vouch for the lengths. */
  unsure = false
  readonly #pairs: number[] = []
  #first = true
  #client = 0
  #clock = 0
  #stopped = false

  struct(client: number, clock: number, length: number, skip: boolean): void {
    if (this.#first) {
      this.#first = false
      this.#client = client
      this.#stopped = clock !== 0
      this.#clock = this.#stopped ? 0 : clock + length
    }
    if (client !== this.#client) {
      if (this.#clock !== 0) this.#pairs.push(this.#client, this.#clock)
      this.#client = client
      this.#clock = 0
      this.#stopped = clock !== 0
    }
    if (skip) this.#stopped = true
    if (!this.#stopped) this.#clock = clock + length
  }

  encode(): Uint8Array {
    const pairs = this.#first || this.#clock === 0 ? this.#pairs : [...this.#pairs, this.#client, this.#clock]
    const out: number[] = []
    const varUint = (n: number): void => {
      while (n > 0x7f) {
        out.push(0x80 | (n % 0x80))
        n = Math.floor(n / 0x80)
      }
      out.push(n)
    }
    varUint(pairs.length / 2)
    pairs.forEach(varUint)
    return new Uint8Array(out)
  }
}

/**
 * The length in UTF-16 code units of the UTF-8 text in `bytes[start, end)` — what yjs counts a
 * string's length in once decoded — or -1 when it is not well-formed UTF-8 (Unicode's table
 * 3-7), which lib0's fatal decoder refuses.
 */
export function utf16Length(bytes: Uint8Array, start: number, end: number): number {
  let units = 0
  let at = start
  while (at < end) {
    const lead = bytes[at]!
    if (lead < 0x80) {
      at++
      units++
      continue
    }
    const follow = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0
    if (follow === 0 || at + follow >= end) return -1
    const second = bytes[at + 1]!
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf
    if (second < low || second > high) return -1
    for (let k = 2; k <= follow; k++) if ((bytes[at + k]! & 0xc0) !== 0x80) return -1
    units += follow === 3 ? 2 : 1
    at += follow + 1
  }
  return units
}

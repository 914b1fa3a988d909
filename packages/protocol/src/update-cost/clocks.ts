/**
 * What the scan (scan.ts) needs to give an update's state vector without decoding it: the
 * structs' clocks followed as yjs follows them, and the length yjs gives a string.
 */
/**
 * Follows the structs of an update as `Y.encodeStateVectorFromUpdate` does (yjs 13.6): a
 * client's clock runs from clock 0 over its structs and stops at its first gap (a Skip, or a
 * group starting past 0). Where yjs claims clocks the update lacks, this does not: yjs reads a
 * client met again in a later group (listed twice, the later clock winning) or a leading Skip
 * at clock 0 as if the clocks between were there. Yjs writes neither — each client once, a gap
 * filled by a Skip between structs — so only crafted updates differ, and the relay must not
 * acknowledge what it does not hold.
 */
export class ClockCounter {
  /** Set when a string is not UTF-8 or JSON text must be parsed: the walk cannot vouch for the lengths. */
  unsure = false
  readonly #pairs: number[] = []
  /** Clients whose group ended. */
  readonly #met = new Set<number>()
  #started = false
  #client = 0
  #clock = 0
  #stopped = false
  /** The current group's client was met in an earlier group: it is not listed again. */
  #again = false

  /** A struct of `client` at `clock`, `length` clocks long; `groupStart` for the first of its group. */
  struct(client: number, clock: number, length: number, skip: boolean, groupStart: boolean): void {
    if (groupStart) {
      if (this.#started) this.#endGroup()
      this.#started = true
      this.#client = client
      this.#clock = 0
      this.#again = this.#met.has(client)
      this.#stopped = this.#again || clock !== 0
    }
    if (skip) this.#stopped = true
    if (!this.#stopped) this.#clock = clock + length
  }

  #endGroup(): void {
    if (this.#clock !== 0 && !this.#again) this.#pairs.push(this.#client, this.#clock)
    this.#met.add(this.#client)
  }

  /** The state vector; call once, after the last struct. */
  encode(): Uint8Array {
    if (this.#started) this.#endGroup()
    const pairs = this.#pairs
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

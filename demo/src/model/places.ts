/**
 * Where an entry of an ordered list would sit with a given order key, said as people say it
 * ("3rd"): conflicts on an order show both places instead of two order keys.
 */
import { compareOrder } from '@ferry/schema'

export const ordinal = (n: number): string => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`

/** 1-based place `id` would have among `entries` with order key `order`. */
export function placeWith(entries: readonly { id: string; order: string }[], id: string, order: string): number {
  const others = entries.filter((e) => e.id !== id)
  return others.filter((e) => compareOrder(e, { id, order }) < 0).length + 1
}

/** `order` as a place among `entries` ("3rd"), or "moved" for a value that is not an order key. */
export const placeOf = (entries: readonly { id: string; order: string }[], id: string, order: unknown): string =>
  typeof order === 'string' ? ordinal(placeWith(entries, id, order)) : 'moved'

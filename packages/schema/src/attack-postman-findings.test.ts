/**
 * Attack review of issue 13 ("Postman, losslessly") and compact requests (schema 3).
 *
 * Every test in this file failed on the code it was written against: each one was a finding,
 * stated as what the claim promises, and moved out once it passed. None is left: F1–F3 and
 * F10–F15 are in attack-postman-fixed.test.ts (F12 stays a documented limit), F4–F9 in
 * postman/update-attacks.test.ts. A new finding goes here as a plain, failing `it`.
 *
 * F1  a `__proto__` key in a request item: replicas read different requests, concurrent first
 *     edits diverge for good and the request vanishes on one device
 * F2  deep JSON (10,000 levels, a 20 KB file) in any kept field: the import half-writes and
 *     throws, or the doc can never be encoded again (no sync, no persistence); an environment
 *     file with deep JSON throws a RangeError
 * F3  values the import accepts that a read drops after the first edit (method > 1 MiB, auth
 *     scheme > 64 chars, script `listen` > 1 MiB, a v2.0 header string line > 1 MiB)
 * F4  update from Postman's own export (items without ids) duplicates every item
 * F5  duplicate item ids: each update adds a copy and overwrites another item
 * F6  an update moves back what was moved in Ferry although the file did not move it
 * F7  an update overwrites a Ferry edit to one header row / part of a text the file did not change
 * F8  two devices updating from the same file concurrently double every text edit and item
 * F9  update cost is quadratic: one full tree read per moved item (a reversed 2,000-request file: ~90 s)
 * F10 lone surrogates: import → sync → export differs between replicas; object keys collapse
 * F11 type of method / name / description / collection auth:null changes after an unrelated edit
 * F12 a peer writing one struct under a compact request's (predictable) materializer client id
 *     makes the request vanish on one device and garbles it on another, for good
 * F13 exports and reads hand out the doc's stored objects: mutating an export changes what
 *     this device later sends, not what it reads
 * F14 a "constructor" key (valid JSON, an unknown field Ferry must keep) in a request item makes
 *     the import throw after writing other items; in a row or event, the first edit throws
 *     halfway and the request vanishes on every device (Yjs refuses a value whose
 *     `.constructor` is not Object)
 * F15 a row list holding a non-object (`query: [null]`, `urlencoded: [1]`) makes the importer
 *     throw a TypeError instead of refusing the file with the item named
 */
import { it } from 'vitest'

it.todo('no open finding')

/**
 * What a user reads when the relay refuses a change as too costly (4413): advice that fits the
 * reason — raising a memory setting helps a large change, not one the relay stopped applying
 * for time or one whose data nests too deep.
 */
import { CloseCode, TOO_COSTLY_REASON, TOO_COSTLY_TO_APPLY_REASON } from '@ferry/protocol'
import { describe, expect, it } from 'vitest'
import { closeOutcome } from './close-outcome.ts'

const says = (reason: string): string => {
  const outcome = closeOutcome(CloseCode.ChangeTooLarge, reason, 0)
  if (outcome.kind !== 'hold' || outcome.status.kind !== 'error') throw new Error(`not held with an error: ${JSON.stringify(outcome)}`)
  return outcome.status.reason
}

describe('a change refused as too costly', () => {
  it('says to raise the memory setting only when memory was the reason', () => {
    expect(says(`${TOO_COSTLY_REASON}: it would take about 300 MB of memory, over the limit of 256 MB`)).toMatch(/raise MAX_UPDATE_DECODED_BYTES/)
    const slow = says(`${TOO_COSTLY_TO_APPLY_REASON}: integrating it took longer than 1700 ms`)
    expect(slow).toMatch(/took too long \(integrating it took longer than 1700 ms\); it stays on this device — Sync now tries again/)
    expect(slow).not.toMatch(/raise/)
    const deep = says(`${TOO_COSTLY_REASON}: its shared types would nest deeper than 32 levels`)
    expect(deep).toMatch(/nests deeper than it allows/)
    expect(deep).not.toMatch(/raise/)
  })
})

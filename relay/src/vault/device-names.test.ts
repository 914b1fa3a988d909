import { MAX_NAME_LENGTH } from '@ferry/protocol'
import { describe, expect, it } from 'vitest'
import { distinctName } from './device-names.ts'

describe('device names', () => {
  it('keeps a free name and numbers a taken one from 2', () => {
    expect(distinctName('Chrome on Linux', [])).toBe('Chrome on Linux')
    expect(distinctName('Chrome on Linux', ['Firefox on Linux'])).toBe('Chrome on Linux')
    expect(distinctName('Chrome on Linux', ['Chrome on Linux'])).toBe('Chrome on Linux (2)')
    expect(distinctName('Chrome on Linux', ['Chrome on Linux', 'Chrome on Linux (2)'])).toBe('Chrome on Linux (3)')
    // A number freed by a rename or a removal is used again.
    expect(distinctName('Chrome on Linux', ['Chrome on Linux', 'Chrome on Linux (3)'])).toBe('Chrome on Linux (2)')
  })

  it('stays within the name limit', () => {
    const long = 'x'.repeat(MAX_NAME_LENGTH)
    const named = distinctName(long, [long])
    expect(named).toHaveLength(MAX_NAME_LENGTH)
    expect(named.endsWith(' (2)')).toBe(true)
  })
})

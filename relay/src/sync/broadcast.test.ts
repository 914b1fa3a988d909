import { describe, expect, it } from 'vitest'
import { parseControl } from './broadcast.ts'

// The implementations are held to test/contracts/broadcast.contract.ts.
describe('parseControl', () => {
  it('accepts a revocation, closing viewers or a deletion and nothing else', () => {
    expect(parseControl({ kind: 'revoke', grantId: 'link:1', from: 'x' })).toEqual({ kind: 'revoke', grantId: 'link:1' })
    expect(parseControl({ kind: 'delete', doc: 'u1:collection:c1', from: 'x' })).toEqual({ kind: 'delete', doc: 'u1:collection:c1' })
    expect(parseControl({ kind: 'delete-owned', owner: 'u1', from: 'x' })).toEqual({ kind: 'delete-owned', owner: 'u1' })
    expect(parseControl({ kind: 'close-viewers', doc: 'u1:collection:c1', code: 4423, reason: 'in the trash', from: 'x' })).toEqual({ kind: 'close-viewers', doc: 'u1:collection:c1', code: 4423, reason: 'in the trash' })
    for (const bad of [null, 'revoke', {}, { kind: 'revoke' }, { kind: 'revoke', grantId: 7 }, { kind: 'revoke', grantId: '' },
      { kind: 'revoke', grantId: 'x'.repeat(129) }, { kind: 'shutdown', grantId: 'link:1' }, { kind: 'delete' },
      { kind: 'delete', doc: 'u1:nothing' }, { kind: 'delete', doc: 7 }, { kind: 'delete-owned' }, { kind: 'delete-owned', owner: 'a:b' },
      { kind: 'delete-owned', owner: 'x'.repeat(200) }, { kind: 'close-viewers', doc: 'u1:collection:c1', code: 1000, reason: '' },
      { kind: 'close-viewers', doc: 'u1:collection:c1', code: 4423, reason: 'é'.repeat(62) }, { kind: 'close-viewers', doc: 'bad', code: 4423, reason: '' },
      { kind: 'close-viewers', doc: 'u1:collection:c1', code: 4423 }]) {
      expect(parseControl(bad)).toBeNull()
    }
  })
})

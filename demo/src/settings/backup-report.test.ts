import { describe, expect, test } from 'vitest'
import type { UserId } from '@ferry/protocol'
import { restoreSentences } from './backup-report.ts'

const from = { source: { relay: null, accountId: 'abc' as UserId, email: 'ada@example.com' }, createdAt: '2025-03-04T05:06:07.000Z' }
const none = { kept: 0, restored: 0, needKey: 0, needVault: 0 }

describe('restore report', () => {
  test('says what came in, and nothing about what did not happen', () => {
    expect(restoreSentences({ merged: 1, skipped: [], secrets: none }, from)).toEqual(['Merged 1 document from the backup of ada@example.com (2025-03-04) into this workspace.'])
  })

  test('says what stays deleted and what waits, and how to fill it', () => {
    const sentences = restoreSentences({ merged: 4, skipped: ['c1', 'c2'], secrets: { kept: 1, restored: 2, needKey: 3, needVault: 1 } }, { ...from, source: { ...from.source, email: null, accountId: 'local' as UserId } })
    expect(sentences).toEqual([
      'Merged 4 documents from the backup of a workspace without an account (2025-03-04) into this workspace.',
      '2 collections were deleted for good in this account and stay deleted.',
      '2 variable values restored, encrypted for this account.',
      '1 variable value was here already.',
      '3 variable values are still empty: they open only with the recovery key of the account the backup came from. Restore the file again with that key to fill them.',
      '1 variable value is still empty: this device cannot encrypt values for this account yet. Set up or unlock the vault (Environments → Globals), then restore the file again.',
    ])
  })
})

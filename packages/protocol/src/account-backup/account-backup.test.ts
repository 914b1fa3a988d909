import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import type { UserId } from '../doc-names.ts'
import { backupFileName, encodeBackup, MAX_BACKUP_BYTES, type AccountBackup } from './format.ts'
import { parseBackup, type BackupErrorCode } from './parse.ts'

function update(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getMap('m').set('k', text)
  return Y.encodeStateAsUpdate(doc)
}

const backup: AccountBackup = {
  createdAt: '2025-03-04T05:06:07.000Z',
  source: { relay: 'https://ferry.example.com', accountId: 'AbCdEf_123' as UserId, email: 'ada@example.com' },
  profile: { name: 'Ada' },
  vault: {
    generation: 2,
    recoveries: [{ generation: 2, wrappedKey: 'w'.repeat(83), tag: 't'.repeat(43) }, { generation: 1, wrappedKey: 'o'.repeat(83), tag: null }],
    links: [{ generation: 1, link: 'l'.repeat(300) }, { generation: 2, link: 'L'.repeat(400) }],
    devices: [{ id: 'dev_1_'.padEnd(22, 'x'), name: 'Chrome on Linux', publicKey: `B${'p'.repeat(86)}`, status: 'approved', wrappedKey: 'k'.repeat(170), generation: 2, createdAt: 1, approvedAt: 2, revokedAt: null }],
  },
  docs: [
    { kind: 'workspace', id: null, update: update('index') },
    { kind: 'collection', id: 'c1', update: update('requests') },
    { kind: 'environments', id: null, update: update('envs') },
  ],
}

/** The file as JSON, changed by `edit`, back to text. */
function edited(edit: (file: Record<string, any>) => void): string {
  const file = JSON.parse(encodeBackup(backup)) as Record<string, any>
  edit(file)
  return JSON.stringify(file)
}

function refusal(file: string | Uint8Array): { code: BackupErrorCode; message: string } {
  const parsed = parseBackup(file)
  if (parsed.ok) throw new Error('the file was accepted')
  return parsed.error
}

describe('account backup file', () => {
  test('reads back what it wrote, from text and from bytes', () => {
    const text = encodeBackup(backup)
    expect(parseBackup(text)).toEqual({ ok: true, value: backup })
    expect(parseBackup(new TextEncoder().encode(text))).toEqual({ ok: true, value: backup })
  })

  test('a file of the local-only workspace: no vault, no profile, no relay', () => {
    const local: AccountBackup = { ...backup, source: { relay: null, accountId: 'local' as UserId, email: null }, profile: null, vault: null }
    expect(parseBackup(encodeBackup(local))).toEqual({ ok: true, value: local })
  })

  test('names the file after the account and the day', () => {
    expect(backupFileName(backup)).toBe('ferry-backup-ada@example.com-2025-03-04.json')
    expect(backupFileName({ ...backup, source: { ...backup.source, email: null, accountId: 'local' as UserId } })).toBe('ferry-backup-local-2025-03-04.json')
  })

  test.each<[string, string | Uint8Array, BackupErrorCode, RegExp]>([
    ['not JSON', 'PK\u0003\u0004 a zip', 'not_json', /not JSON/],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'not_json', /not JSON/],
    ['a Postman collection', JSON.stringify({ info: { name: 'x' }, item: [] }), 'not_a_backup', /not a Ferry account backup/],
    ['another format', edited((f) => (f.format = 'ferry-collection')), 'not_a_backup', /not a Ferry account backup/],
    ['a newer version', edited((f) => (f.version = 2)), 'newer_version', /newer Ferry \(format version 2\).*Update Ferry/],
    ['version zero', edited((f) => (f.version = 0)), 'malformed', /version is 0/],
    ['a field a newer writer added', edited((f) => (f.trash = [])), 'malformed', /field "trash"/],
    ['a doc naming an owner', edited((f) => (f.docs[1].name = 'bob:collection:c1')), 'malformed', /docs\[1\] has a field "name"/],
    ['a doc of an unknown kind', edited((f) => (f.docs[0].kind = 'bob:workspace')), 'malformed', /docs\[0\]\.kind is "bob:workspace", not one of workspace/],
    ['a collection without an id', edited((f) => delete f.docs[1].id), 'malformed', /collection without an id/],
    ['a workspace with an id', edited((f) => (f.docs[0].id = 'x')), 'malformed', /has no id/],
    ['an id that is no id', edited((f) => (f.docs[1].id = '../x')), 'malformed', /docs\[1\]\.id is not an id/],
    ['a doc twice', edited((f) => f.docs.push(f.docs[1])), 'malformed', /repeats the collection c1/],
    ['an update that is not base64', edited((f) => (f.docs[0].update = 'not base64!')), 'malformed', /not base64/],
    ['an update that is not Yjs', edited((f) => (f.docs[0].update = 'BQEC')), 'malformed', /not a Yjs update/],
    ['an account id that is none', edited((f) => (f.source.accountId = 'a:b')), 'malformed', /accountId/],
    ['a vault without its current recovery wrap', edited((f) => f.vault.recoveries.reverse()), 'malformed', /current generation/],
    ['a device of no known status', edited((f) => (f.vault.devices[0].status = 'trusted')), 'malformed', /status/],
  ])('refuses %s with a sentence', (_what, file, code, message) => {
    const error = refusal(file)
    expect(error.code).toBe(code)
    expect(error.message).toMatch(message)
    expect(error.message).toMatch(/\.$/)
  })

  test('refuses a file over the size limit before reading it', () => {
    expect(refusal(new Uint8Array(MAX_BACKUP_BYTES + 1)).code).toBe('too_large')
  })
})

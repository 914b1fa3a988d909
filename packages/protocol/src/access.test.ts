import { expect, test } from 'vitest'
import { userAccess } from './access.ts'
import { docName, parseDocName, type ParsedDocName } from './doc-names.ts'

function parsed(name: string): ParsedDocName {
  const result = parseDocName(name)
  if (!result.ok) throw new Error(result.error.message)
  return result.value
}

test('an account reads and writes every kind of doc it owns', () => {
  for (const name of [docName('alice', 'workspace'), docName('alice', 'collection', 'c1'), docName('alice', 'environments'), docName('alice', 'history')]) {
    expect(userAccess('alice', parsed(name))).toBe('read-write')
  }
})

test("an account gets nothing on another account's docs", () => {
  expect(userAccess('bob', parsed('alice:collection:c1'))).toBe('none')
  expect(userAccess('Alice', parsed('alice:workspace'))).toBe('none')
  expect(userAccess('alic', parsed('alice:workspace'))).toBe('none')
  expect(userAccess('', parsed('alice:workspace'))).toBe('none')
})

test('an id equal to the user id grants nothing: only the owner part counts', () => {
  expect(userAccess('bob', parsed('alice:collection:bob'))).toBe('none')
})

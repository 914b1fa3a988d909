import { describe, expect, test } from 'vitest'
import { docName, InvalidDocNameError, isDocName, isIdPart, isUserId, MAX_DOC_NAME_LENGTH, parseDocName } from './doc-names.ts'

const user = 'AbCdEfGhIjKlMnOpQrStUv'
const max = 'a'.repeat(64)
const tooLong = 'a'.repeat(65)

describe('parseDocName', () => {
  test.each([
    [`${user}:workspace`, 'workspace', null],
    [`${user}:environments`, 'environments', null],
    [`${user}:history`, 'history', null],
    [`${user}:collection:c_1-x`, 'collection', 'c_1-x'],
    [`${max}:collection:${max}`, 'collection', max],
  ])('accepts %s', (input, kind, id) => {
    const result = parseDocName(input)
    expect(result).toEqual({ ok: true, value: { name: input, owner: input.split(':')[0], kind, id } })
  })

  test.each([
    ['', 'bad_shape'],
    [user, 'bad_shape'],
    [`${user}:collection:a:b`, 'bad_shape'],
    [`${user}:workspace:`, 'bad_part'],
    [`:workspace`, 'bad_part'],
    [`${user}::x`, 'bad_part'],
    [`${user}:collection:`, 'bad_part'],
    [`${tooLong}:workspace`, 'bad_part'],
    [`${user}:collection:${tooLong}`, 'bad_part'],
    [`${user}:collection:a.b`, 'bad_part'],
    [`${user}:collection:a b`, 'bad_part'],
    [`${user}:collection:a/b`, 'bad_part'],
    [`${user}:collection:a%3Ab`, 'bad_part'],
    [`${user}:collection:é`, 'bad_part'],
    [`${user}:collection:\u{1F600}`, 'bad_part'],
    [`${user}:collection:abc\n`, 'bad_part'],
    [`${user}\u0000:workspace`, 'bad_part'],
    [`${user}:Workspace`, 'unknown_kind'],
    [`${user}:settings`, 'unknown_kind'],
    [`${user}:collection`, 'missing_id'],
    [`${user}:workspace:x`, 'unexpected_id'],
    [`${user}:environments:x`, 'unexpected_id'],
    [`${user}:history:x`, 'unexpected_id'],
    ['a'.repeat(MAX_DOC_NAME_LENGTH + 1), 'bad_shape'],
  ])('rejects %j with %s', (input, code) => {
    const result = parseDocName(input)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.code).toBe(code)
      expect(result.error.message.length).toBeGreaterThan(0)
    }
  })

  test('never throws on non-string input from untyped callers', () => {
    for (const input of [undefined, null, 42, {}, ['a', 'workspace']]) {
      expect(parseDocName(input as string)).toMatchObject({ ok: false, error: { code: 'bad_shape' } })
    }
  })
})

describe('isDocName', () => {
  test('agrees with parseDocName', () => {
    expect(isDocName(`${user}:workspace`)).toBe(true)
    expect(isDocName(`${user}:collection`)).toBe(false)
    expect(isDocName(7)).toBe(false)
  })
})

describe('isIdPart and isUserId', () => {
  test('accept 1 to 64 characters of [A-Za-z0-9_-]', () => {
    for (const s of ['a', 'Z9', '_-', max, user]) {
      expect(isIdPart(s)).toBe(true)
      expect(isUserId(s)).toBe(true)
    }
  })

  test('reject empty, overlong, foreign characters and non-strings', () => {
    for (const s of ['', tooLong, 'a:b', 'a b', 'ü', '+/', null, 3]) {
      expect(isIdPart(s)).toBe(false)
    }
  })
})

describe('docName', () => {
  test('builds names that parse back to the same parts', () => {
    const name = docName(user, 'collection', 'c1')
    expect(name).toBe(`${user}:collection:c1`)
    expect(parseDocName(name)).toMatchObject({ ok: true, value: { owner: user, kind: 'collection', id: 'c1' } })
    expect(docName(user, 'history')).toBe(`${user}:history`)
  })

  test.each([
    ['', 'workspace', undefined, 'bad_part'],
    [user, 'collection', undefined, 'missing_id'],
    [user, 'workspace', 'x', 'unexpected_id'],
    [user, 'collection', 'a:b', 'bad_shape'],
    [user, 'collection', tooLong, 'bad_part'],
    [user, 'nope', undefined, 'unknown_kind'],
  ] as const)('throws a typed error for (%j, %s, %j)', (owner, kind, id, code) => {
    const build = () => docName(owner, kind as 'workspace', id)
    expect(build).toThrow(InvalidDocNameError)
    expect(build).toThrow(expect.objectContaining({ code }))
  })
})

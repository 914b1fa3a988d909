import { describe, expect, it } from 'vitest'
import type { RequestData } from '../model/types.ts'
import { sendRequest } from './send.ts'

const request = (url: string): RequestData => ({
  name: 'r', method: 'GET', url, params: [], headers: [], description: '',
  body: { mode: 'none', raw: '', language: 'text', fields: [] }, auth: { type: 'none' },
  pathVariables: [], examples: [], scripts: [], variables: [],
})

describe('send errors', () => {
  it('name the URL as typed, never a variable’s value', async () => {
    // A closed port on this machine: the send fails at once, nothing leaves it.
    const unreachable = await sendRequest(request('{{base}}/users'), new Map([['base', 'http://127.0.0.1:1']]))
    expect(unreachable.error).toContain('{{base}}')
    expect(unreachable.error).not.toContain('127.0.0.1:1')
    const invalid = await sendRequest(request('{{base}}/users'), new Map([['base', 'http://s3cr3t t0ken']]))
    expect(invalid.error).toContain('{{base}}/users')
    expect(invalid.error).not.toContain('s3cr3t')
  })
})

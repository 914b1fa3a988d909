import { describe, expect, it } from 'vitest'
import type { RequestData } from '../model/types.ts'
import { diffRange } from '../ui/text-binding.ts'
import { buildFetch, describeSent, withPathVariables } from './send.ts'
import { mergeParams, paramsFromUrl, pathVariableNames, pathVariablesFor, urlWithParams } from './url-params.ts'
import { resolveVariables, unresolvedNames } from './variables.ts'

describe('variables', () => {
  it('substitutes known names and leaves unknown ones as written', () => {
    const vars = new Map([['host', 'env.example'], ['token', 'g']])
    expect(resolveVariables('https://{{host}}/x?t={{ token }}&u={{user}}', vars)).toBe('https://env.example/x?t=g&u={{user}}')
    expect(unresolvedNames('{{host}} {{user}} {{user}}', vars)).toEqual(['user'])
  })
})

describe('URL and params', () => {
  it('reads params from the query string and writes enabled ones back', () => {
    expect(paramsFromUrl('https://a.example/p?x=1&y=a%20b&flag#frag')).toEqual([
      { key: 'x', value: '1', enabled: true },
      { key: 'y', value: 'a b', enabled: true },
      { key: 'flag', value: '', enabled: true },
    ])
    const params = [{ key: 'q', value: 'a&b', enabled: true }, { key: 'off', value: '1', enabled: false }, { key: 'id', value: '{{id}}', enabled: true }]
    expect(urlWithParams('{{base}}/s?old=1#top', params)).toBe('{{base}}/s?q=a%26b&id={{id}}#top')
    expect(mergeParams(paramsFromUrl('/p?a=1'), params)).toEqual([{ key: 'a', value: '1', enabled: true }, params[1]])
  })
})

describe('path variables', () => {
  it('are named by the path’s :segments, once each, never by a port, the query or the hash', () => {
    expect(pathVariableNames('{{base}}/users/:userId/posts/:postId/:userId?x=:q#:h')).toEqual(['userId', 'postId'])
    expect(pathVariableNames('http://localhost:8080/a')).toEqual([])
    expect(pathVariableNames('localhost:8080/:id.json')).toEqual(['id.json'])
  })

  it('keep the rows the table has by name, in the URL’s order', () => {
    const table = [{ key: 'id', value: '7', enabled: true, kept: { description: 'Pet id' } }, { key: 'gone', value: 'x', enabled: true }]
    expect(pathVariablesFor('/owners/:owner/pets/:id', table)).toEqual([{ key: 'owner', value: '', enabled: true }, table[0]])
  })
})

const request = (patch: Partial<RequestData>): RequestData => ({
  name: 'r', method: 'GET', url: 'https://api.example/items', params: [], headers: [], description: '',
  body: { mode: 'none', raw: '', language: 'text', fields: [] }, auth: { type: 'inherit' },
  pathVariables: [], examples: [], scripts: [], variables: [], ...patch,
})

describe('buildFetch', () => {
  it('resolves variables in URL, headers, body and auth', () => {
    const vars = new Map([['base', 'https://api.example'], ['tok', 't0k'], ['name', 'Rex']])
    const built = buildFetch(request({
      method: 'POST', url: '{{base}}/pets', headers: [{ key: 'X-Id', value: '{{name}}', enabled: true }, { key: 'X-Off', value: '1', enabled: false }],
      body: { mode: 'raw', raw: '{"name":"{{name}}"}', language: 'json', fields: [] },
    }), vars, { type: 'bearer', token: '{{tok}}' })
    if ('error' in built) throw new Error(built.error)
    const headers = built.init.headers as Headers
    expect(built.url).toBe('https://api.example/pets')
    expect(headers.get('authorization')).toBe('Bearer t0k')
    expect(headers.get('x-id')).toBe('Rex')
    expect(headers.has('x-off')).toBe(false)
    expect(headers.get('content-type')).toBe('application/json')
    expect(built.init.body).toBe('{"name":"Rex"}')
  })

  it('puts an API key in the query, adds http:// to bare hosts, and refuses unusable URLs', () => {
    const built = buildFetch(request({ url: 'localhost:3000/x' }), new Map(), { type: 'apikey', key: 'k', value: 'v', in: 'query' })
    expect('url' in built && built.url).toBe('http://localhost:3000/x?k=v')
    expect(buildFetch(request({ url: '' }), new Map())).toEqual({ error: 'Enter a URL to send the request to.' })
    expect(buildFetch(request({ url: 'ftp://files.example/a' }), new Map())).toEqual({ error: 'Only http:// and https:// URLs can be sent.' })
    expect('error' in buildFetch(request({ url: 'http://exa mple.com' }), new Map())).toBe(true)
  })

  it('fills :path variables (their values resolved) in the path only, never the port', () => {
    const rows = [{ key: 'id', value: '{{petId}}', enabled: true }, { key: 'port', value: 'no', enabled: true }, { key: 'off', value: 'x', enabled: false }]
    const vars = new Map([['petId', '42']])
    expect(withPathVariables('http://host:8080/pets/:id/:off?x=:id', rows, vars)).toBe('http://host:8080/pets/42/:off?x=:id')
    expect(withPathVariables('host:port/:id', rows, vars)).toBe('host:port/42')
    const built = buildFetch(request({ url: '{{base}}/pets/:id', pathVariables: rows }), new Map([['base', 'https://api.example'], ['petId', '7']]))
    expect('url' in built && built.url).toBe('https://api.example/pets/7')
  })

  it('describes the headers sent with their names as typed, for history', () => {
    const built = buildFetch(request({
      method: 'POST', headers: [{ key: 'X-Trace', value: 'abc', enabled: true }, { key: 'x-api-key', value: 'old', enabled: true }],
      body: { mode: 'raw', raw: '{}', language: 'json', fields: [] },
    }), new Map(), { type: 'apikey', key: 'X-Api-Key', value: 'k3y', in: 'header' })
    if ('error' in built) throw new Error(built.error)
    // The API key replaces the typed header of the same name, whatever its case, as on the wire.
    expect(describeSent(built).sentHeaders).toEqual([
      { key: 'X-Trace', value: 'abc' }, { key: 'X-Api-Key', value: 'k3y' }, { key: 'Content-Type', value: 'application/json' },
    ])
    expect((built.init.headers as Headers).get('x-api-key')).toBe('k3y')
  })

  it('sends no body with GET and form fields url-encoded', () => {
    const get = buildFetch(request({ body: { mode: 'raw', raw: 'x', language: 'text', fields: [] } }), new Map())
    expect('init' in get && get.init.body).toBeUndefined()
    const form = buildFetch(request({ method: 'PUT', body: { mode: 'urlencoded', raw: '', language: 'text', fields: [{ key: 'a', value: '1 2', enabled: true }] } }), new Map())
    expect('init' in form && String(form.init.body)).toBe('a=1+2')
  })
})

describe('text diff for collaborative editing', () => {
  it('finds the one changed range', () => {
    expect(diffRange('hello world', 'hello brave world')).toEqual({ index: 6, remove: 0, insert: 'brave ' })
    expect(diffRange('aaa', 'aa')).toEqual({ index: 2, remove: 1, insert: '' })
    expect(diffRange('abc', 'xbc')).toEqual({ index: 0, remove: 1, insert: 'x' })
    expect(diffRange('', 'new')).toEqual({ index: 0, remove: 0, insert: 'new' })
  })

  it('puts an ambiguous edit where the caret says it was typed', () => {
    expect(diffRange('aa', 'aaa', 1)).toEqual({ index: 0, remove: 0, insert: 'a' })
    expect(diffRange('aa', 'aaa')).toEqual({ index: 2, remove: 0, insert: 'a' })
    expect(diffRange('abab', 'ab', 0)).toEqual({ index: 0, remove: 2, insert: '' })
  })
})

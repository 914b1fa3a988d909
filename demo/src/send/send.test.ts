import { describe, expect, it } from 'vitest'
import { ReceivedBody } from './received.ts'
import { retrySafe, toSendRequest } from './route.ts'

const settings = { agent: null, useRelay: true, followRedirects: false, timeoutMs: 7000 }

describe('a send request for the agent or the relay', () => {
  it('carries text, form and multipart bodies with the content type a browser would add', async () => {
    const text = await toSendRequest('https://x.example/a', { method: 'POST', headers: new Headers({ 'x-key': 'k' }), body: '{"a":1}' }, settings)
    expect(text).toEqual({ method: 'POST', url: 'https://x.example/a', headers: [['x-key', 'k']], body: { text: '{"a":1}' }, timeoutMs: 7000, followRedirects: false, maxRedirects: 20 })
    const form = await toSendRequest('https://x.example/a', { method: 'POST', headers: new Headers(), body: new URLSearchParams([['a', '1 2']]) }, settings)
    expect(form.body).toEqual({ text: 'a=1+2' })
    expect(form.headers).toEqual([['content-type', 'application/x-www-form-urlencoded;charset=UTF-8']])
    const data = new FormData()
    data.append('name', 'Rex')
    const multipart = await toSendRequest('https://x.example/a', { method: 'POST', headers: new Headers(), body: data }, settings)
    const type = multipart.headers.find(([k]) => k === 'content-type')?.[1] ?? ''
    expect(type).toMatch(/^multipart\/form-data; boundary=/)
    const sent = atob((multipart.body as { base64: string }).base64)
    expect(sent).toContain(type.split('boundary=')[1])
    expect(sent).toContain('name="name"\r\n\r\nRex')
  })
})

describe('a received body', () => {
  it('is binary by its content type, or without one by bytes that are not UTF-8', () => {
    const text = new ReceivedBody()
    text.push(new TextEncoder().encode('{"ok":true} ✓'))
    expect(text.binary('application/problem+json')).toBe(false)
    expect(text.binary(null)).toBe(false)
    expect(text.binary('image/png')).toBe(true)
    expect(text.text).toBe('{"ok":true} ✓')
    const bytes = new ReceivedBody()
    bytes.push(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe]))
    expect(bytes.binary(null)).toBe(true)
    expect(bytes.sizeBytes).toBe(6)
  })

  it('keeps every byte for the download, however it was cut', async () => {
    const body = new ReceivedBody()
    const all = new TextEncoder().encode('héllo wörld')
    for (let at = 0; at < all.length; at += 3) body.push(all.slice(at, at + 3))
    expect(body.text).toBe('héllo wörld')
    expect(new Uint8Array(await body.blob('text/plain').arrayBuffer())).toEqual(all)
  })
})

describe('trying the page first', () => {
  it('is skipped only when a CORS refusal would come after the server already got the request', () => {
    expect(retrySafe('GET', new Headers())).toBe(true)
    expect(retrySafe('DELETE', new Headers())).toBe(true)
    expect(retrySafe('POST', new Headers({ 'content-type': 'application/json' }))).toBe(true)
    expect(retrySafe('POST', new Headers({ authorization: 'Bearer x' }))).toBe(true)
    expect(retrySafe('POST', new Headers())).toBe(false)
    expect(retrySafe('POST', new Headers({ 'content-type': 'text/plain;charset=UTF-8', accept: '*/*' }))).toBe(false)
  })
})

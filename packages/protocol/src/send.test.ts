import { describe, expect, it } from 'vitest'
import { dataFrame, endFrame, errorFrame, FrameType, encodeFrame, headFrame, SendFrameReader, type SendResponseHead } from './send-frames.ts'
import { parseSendRequest } from './send-request.ts'

const valid = { method: 'post', url: 'https://api.example.com/a b', headers: [['X-Key', 'v']], body: { text: '{}' }, timeoutMs: 1000, followRedirects: true, maxRedirects: 5 }

describe('send requests', () => {
  it('are validated once, with a sentence per problem', () => {
    const parsed = parseSendRequest(valid)
    expect(parsed).toEqual({ ok: true, value: { ...valid, method: 'POST', url: 'https://api.example.com/a%20b' } })
    const refused = (change: Record<string, unknown>) => {
      const result = parseSendRequest({ ...valid, ...change })
      return result.ok ? null : result.error
    }
    expect(refused({ url: 'file:///etc/passwd' })).toBe('Only http:// and https:// URLs can be sent.')
    expect(refused({ url: 'not a url' })).toBe('url is not a valid absolute URL.')
    expect(refused({ url: 'https://user:pw@example.com/' })).toContain('Authorization header')
    expect(refused({ method: 'GET /x' })).toContain('method')
    expect(refused({ headers: [['X-A', 'one\r\nInjected: yes']] })).toBe('The value of the header "X-A" contains characters that cannot be sent.')
    expect(refused({ headers: [['Bad Name', 'x']] })).toContain('not a header name')
    expect(refused({ body: { base64: 'not base64!' } })).toBe('The request body is not valid base64.')
    expect(refused({ body: { text: 'a', base64: 'YQ==' } })).toContain('body must be')
    expect(refused({ timeoutMs: 0 })).toContain('timeoutMs')
    expect(refused({ followRedirects: 'yes' })).toContain('followRedirects')
    expect(parseSendRequest('GET /')).toEqual({ ok: false, error: 'The send request must be a JSON object.' })
  })
})

describe('send frames', () => {
  const head: SendResponseHead = { status: 200, statusText: 'OK', headers: [['content-type', 'text/plain']], url: 'http://x/', redirects: [{ url: 'http://x/a', status: 302, location: '/' }], cookies: [] }

  it('come back whole however the stream is cut', () => {
    const stream = new Uint8Array([...headFrame(head), ...dataFrame(new Uint8Array([0, 1, 2, 255])), ...endFrame({ sizeBytes: 4 })])
    for (const cut of [1, 3, 7, stream.length]) {
      const reader = new SendFrameReader()
      const frames = []
      for (let at = 0; at < stream.length; at += cut) {
        const result = reader.push(stream.subarray(at, at + cut))
        if (!result.ok) throw new Error(result.error)
        frames.push(...result.value)
      }
      expect(frames).toEqual([{ type: 'head', head }, { type: 'data', bytes: new Uint8Array([0, 1, 2, 255]) }, { type: 'end', end: { sizeBytes: 4 } }])
      expect(reader.pending).toBe(0)
    }
  })

  it('refuse payloads that are not what their type says', () => {
    const reader = () => new SendFrameReader()
    expect(reader().push(errorFrame({ code: 'timeout', message: 'No response.' }))).toEqual({ ok: true, value: [{ type: 'error', failure: { code: 'timeout', message: 'No response.' } }] })
    expect(reader().push(encodeFrame(FrameType.Error, new TextEncoder().encode('{"code":"made_up","message":"x"}'))).ok).toBe(false)
    expect(reader().push(encodeFrame(FrameType.Head, new TextEncoder().encode('{"status":200}'))).ok).toBe(false)
    expect(reader().push(new Uint8Array([9, 0, 0, 0, 0])).ok).toBe(false)
    expect(reader().push(new Uint8Array([2, 255, 255, 255, 255])).ok).toBe(false)
  })
})

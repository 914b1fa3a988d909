/** JSON calls to a test relay's HTTP API, answering status and parsed body (null when empty). */
import type { TestRelay } from './relay.ts'

export interface Answer {
  status: number
  body: any
}

export async function call(relay: Pick<TestRelay, 'url'>, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token) headers.authorization = `Bearer ${token}`
  const response = await fetch(relay.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

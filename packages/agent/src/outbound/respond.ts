/**
 * Answers an HTTP request (the agent's or the relay's `POST /v1/send`) with the send frames of
 * one send, streamed: the writer waits while the page reads slower than the target sends, and
 * the send stops when the page goes away.
 */
import type { ServerResponse } from 'node:http'
import { SEND_FRAMES_CONTENT_TYPE, type SendRequest } from '@ferry/protocol'
import { sendOutbound, type OutboundOptions } from './send.ts'

export async function answerWithFrames(res: ServerResponse, request: SendRequest, options: Omit<OutboundOptions, 'signal'>): Promise<void> {
  const gone = new AbortController()
  res.once('close', () => res.writableFinished || gone.abort())
  res.writeHead(200, { 'content-type': SEND_FRAMES_CONTENT_TYPE, 'cache-control': 'no-store' })
  await sendOutbound(request, { ...options, signal: gone.signal }, (frame) =>
    new Promise<void>((resolve) => {
      if (res.write(frame)) resolve()
      else res.once('drain', resolve).once('close', resolve)
    }))
  res.end()
}

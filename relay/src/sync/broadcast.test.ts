import { describe, expect, it } from 'vitest'
import { docName } from '@ferry/protocol'
import { BroadcastHub, InProcessBroadcast } from './broadcast.ts'

describe('InProcessBroadcast', () => {
  const doc = docName('alice', 'workspace')
  const other = docName('alice', 'history')

  it("delivers a frame to the doc's listeners on other instances only", async () => {
    const hub = new BroadcastHub()
    const a = new InProcessBroadcast(hub)
    const b = new InProcessBroadcast(hub)
    const heard: string[] = []
    a.subscribe(doc, () => heard.push('a'))
    const stop = b.subscribe(doc, (frame) => heard.push(`b:${frame[0]}`))
    b.subscribe(other, () => heard.push('b-other'))
    a.publish(doc, new Uint8Array([7]))
    expect(heard).toEqual(['b:7'])
    stop()
    a.publish(doc, new Uint8Array([8]))
    expect(heard).toEqual(['b:7'])
    await b.close()
    a.publish(other, new Uint8Array([9]))
    expect(heard).toEqual(['b:7'])
  })
})

/**
 * `Broadcast` over Redis pub/sub (`REDIS_URL`): one channel per loaded doc,
 * `<prefix>doc:<docName>`, and one control channel, `<prefix>control`; the prefix
 * (`REDIS_PREFIX`) lets several deployments or test suites share one Redis. Each instance
 * publishes on one connection and subscribes on another (a subscribing connection can do
 * nothing else).
 *
 * A doc message is `[version 1][sender id, 16 bytes][recipient id, 16 bytes; zeros: everyone]`
 * followed by the frame; an instance drops its own messages and those addressed to another.
 * A control message is JSON `{ "from": <sender id>, "kind": "revoke", "grantId": … }` or
 * `{ "from": …, "kind": "delete", "doc": <doc name> }` or `{ "from": …, "kind": "sessions", "userId": … }`.
 * Anything else on these channels is logged and dropped.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { DocName } from '@ferry/protocol'
import { openRedis } from '../redis.ts'
import {
  newInstanceId,
  parseControl,
  type Broadcast,
  type ControlListener,
  type ControlMessage,
  type FrameListener,
  type InstanceId,
} from './broadcast.ts'

const VERSION = 1
const ID_BYTES = 16
const HEADER_BYTES = 1 + 2 * ID_BYTES
/** A health check answers within this: a ping queued behind a connection that just died would wait for ioredis's retries (~10 s). */
const PING_TIMEOUT_MS = 2_000
const EVERYONE = Buffer.alloc(ID_BYTES)

export class RedisBroadcast implements Broadcast {
  readonly id: InstanceId
  readonly #publisher: Redis
  readonly #subscriber: Redis
  readonly #prefix: string
  readonly #log: FastifyBaseLogger
  readonly #idBytes: Buffer
  /** Channel name → the doc and its listener. */
  readonly #docs = new Map<string, { doc: DocName; listener: FrameListener }>()
  readonly #control: ControlListener[] = []
  readonly #resume: Array<() => void> = []
  #closed = false

  /**
   * Connects both connections (named `<prefix>publish-<id>` and `<prefix>subscribe-<id>`, with
   * the instance id's first 8 characters) and subscribes the control channel; rejects when
   * Redis is unreachable.
   */
  static async open(url: string, prefix: string, log: FastifyBaseLogger): Promise<RedisBroadcast> {
    const id = newInstanceId()
    // Auto-pipelining sends the frames of one turn in one write (order kept): in the
    // scaled-out fan-out benchmark it halved the relays' CPU per delivered update.
    const publisher = await openRedis(url, `${prefix}publish-${id.slice(0, 8)}`, 'publish', log, { enableAutoPipelining: true })
    let subscriber: Redis
    try {
      // SUBSCRIBEs wait out an outage of any length: given up, a room would stay deaf.
      subscriber = await openRedis(url, `${prefix}subscribe-${id.slice(0, 8)}`, 'subscribe', log, { maxRetriesPerRequest: null })
    } catch (error) {
      publisher.disconnect()
      throw error
    }
    const broadcast = new RedisBroadcast(id, publisher, subscriber, prefix, log)
    await subscriber.subscribe(broadcast.#controlChannel)
    return broadcast
  }

  private constructor(id: InstanceId, publisher: Redis, subscriber: Redis, prefix: string, log: FastifyBaseLogger) {
    this.id = id
    this.#idBytes = Buffer.from(id, 'hex')
    this.#publisher = publisher
    this.#subscriber = subscriber
    this.#prefix = prefix
    this.#log = log
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.#receive(channel.toString(), message))
    // ioredis re-subscribes every channel on 'ready' after a reconnect; a PING answered after
    // those SUBSCRIBEs means they are active, so the rooms' questions will be heard.
    subscriber.on('ready', () => {
      subscriber.ping().then(
        () => { for (const listener of this.#resume) listener() },
        (error: unknown) => log.warn({ err: error }, 'redis subscriber did not answer after reconnecting'),
      )
    })
  }

  get #controlChannel(): string {
    return `${this.#prefix}control`
  }

  #docChannel(doc: DocName): string {
    return `${this.#prefix}doc:${doc}`
  }

  publish(doc: DocName, frame: Uint8Array, to?: InstanceId): void {
    const message = Buffer.concat([Buffer.of(VERSION), this.#idBytes, to === undefined ? EVERYONE : Buffer.from(to, 'hex'), frame])
    this.#send(this.#docChannel(doc), message)
  }

  /**
   * While Redis is away this resolves at once, so documents still open (alone); the SUBSCRIBE
   * goes out on reconnection, before the resume that makes every room ask again.
   */
  async subscribe(doc: DocName, listener: FrameListener): Promise<() => void> {
    const channel = this.#docChannel(doc)
    const entry = { doc, listener }
    this.#docs.set(channel, entry)
    const subscribed = this.#subscriber.subscribe(channel)
    if (this.#subscriber.status === 'ready') await subscribed
    else subscribed.catch((error: unknown) => this.#log.warn({ err: error, doc }, 'redis subscribe failed'))
    return () => {
      if (this.#docs.get(channel) !== entry) return
      this.#docs.delete(channel)
      this.#subscriber.unsubscribe(channel).catch((error: unknown) => this.#log.warn({ err: error, doc }, 'redis unsubscribe failed'))
    }
  }

  publishControl(message: ControlMessage): void {
    this.#send(this.#controlChannel, Buffer.from(JSON.stringify({ from: this.id, ...message })))
  }

  onControl(listener: ControlListener): void {
    this.#control.push(listener)
  }

  onResume(listener: () => void): void {
    this.#resume.push(listener)
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new Error('the broadcast is closed')
    for (const [role, redis] of [['publish', this.#publisher], ['subscribe', this.#subscriber]] as const) {
      if (redis.status !== 'ready') throw new Error(`redis ${role} connection is ${redis.status}`)
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis did not answer a ping within ${PING_TIMEOUT_MS / 1000} s`)), PING_TIMEOUT_MS)
    })
    try {
      await Promise.race([this.#publisher.ping(), late])
    } finally {
      clearTimeout(timer)
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#docs.clear()
    this.#control.length = 0
    this.#resume.length = 0
    await Promise.all([this.#publisher, this.#subscriber].map(async (redis) => {
      if (redis.status !== 'ready') return redis.disconnect()
      await redis.quit().catch(() => redis.disconnect())
    }))
  }

  #send(channel: string, message: Buffer): void {
    this.#publisher.publish(channel, message).catch((error: unknown) => {
      this.#log.warn({ err: error, channel }, 'redis publish failed; other relays missed a message')
    })
  }

  #receive(channel: string, message: Buffer): void {
    if (channel === this.#controlChannel) return this.#receiveControl(message)
    const entry = this.#docs.get(channel)
    if (!entry) return
    if (message.length <= HEADER_BYTES || message[0] !== VERSION) {
      this.#log.warn({ channel, bytes: message.length }, 'dropped a malformed broadcast message')
      return
    }
    const from = message.subarray(1, 1 + ID_BYTES)
    const to = message.subarray(1 + ID_BYTES, HEADER_BYTES)
    const direct = to.equals(this.#idBytes)
    if (from.equals(this.#idBytes) || !(direct || to.equals(EVERYONE))) return
    this.#deliver(() => entry.listener(message.subarray(HEADER_BYTES), from.toString('hex') as InstanceId, direct))
  }

  #receiveControl(message: Buffer): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(message.toString())
    } catch {
      parsed = null
    }
    const from = (parsed as { from?: unknown } | null)?.from
    const control = parseControl(parsed)
    if (control === null || typeof from !== 'string') {
      this.#log.warn({ bytes: message.length }, 'dropped a malformed control message')
      return
    }
    if (from === this.id) return
    for (const listener of this.#control) this.#deliver(() => listener(control))
  }

  /** A listener that throws must not take the subscriber connection's event loop down with it. */
  #deliver(call: () => void): void {
    try {
      call()
    } catch (error) {
      this.#log.error({ err: error }, 'handling a broadcast message failed')
    }
  }
}

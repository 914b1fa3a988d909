/**
 * A real SMTP server for tests (`smtp-server` on a free loopback port) that parses every mail
 * it receives (`mailparser`). Point the relay at `smtp.url`; wait for a mail with
 * `smtp.waitForMail(to)`.
 */
import { EventEmitter, once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface CapturedMail {
  to: string[]
  from: string
  subject: string
  text: string
  /** Every http(s) URL in the text, in order. */
  links: string[]
}

export interface TestSmtp {
  /** `smtp://127.0.0.1:<port>` */
  url: string
  /** Every mail received so far, oldest first. */
  mails: CapturedMail[]
  /** Resolves with the first not yet awaited mail to `to`; rejects after `timeoutMs`. */
  waitForMail(to: string, timeoutMs?: number): Promise<CapturedMail>
  close(): Promise<void>
}

export async function startSmtp(): Promise<TestSmtp> {
  const mails: CapturedMail[] = []
  const taken = new Set<CapturedMail>()
  const arrivals = new EventEmitter()
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const recipients = [parsed.to ?? []].flat().flatMap((address) => address.value.map((v) => v.address ?? ''))
          const text = parsed.text ?? ''
          const mail: CapturedMail = {
            to: recipients,
            from: parsed.from?.text ?? '',
            subject: parsed.subject ?? '',
            text,
            links: text.match(/https?:\/\/\S+/g) ?? [],
          }
          mails.push(mail)
          arrivals.emit('mail', mail)
          callback()
        },
        (error: Error) => callback(error),
      )
    },
  })
  server.listen(0, '127.0.0.1')
  await once(server.server, 'listening')
  const { port } = server.server.address() as AddressInfo

  const find = (to: string) => mails.find((mail) => !taken.has(mail) && mail.to.includes(to))
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async waitForMail(to, timeoutMs = 10_000) {
      let mail = find(to)
      const deadline = AbortSignal.timeout(timeoutMs)
      while (!mail) {
        try {
          await once(arrivals, 'mail', { signal: deadline })
        } catch {
          throw new Error(`no mail to ${to} within ${timeoutMs} ms (received: ${mails.map((m) => `${m.to.join(',')} "${m.subject}"`).join('; ') || 'none'})`)
        }
        mail = find(to)
      }
      taken.add(mail)
      return mail
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The `token` parameter of a client link `<PUBLIC_URL>/#/<route>?token=…`. */
export function tokenFromLink(link: string): string {
  const fragment = new URL(link).hash
  const token = new URLSearchParams(fragment.slice(fragment.indexOf('?') + 1)).get('token')
  if (!token) throw new Error(`no token in ${link}`)
  return token
}

/**
 * Outgoing mail. Two transports: SMTP through nodemailer when `SMTP_URL` is set, otherwise
 * the outbox (`.eml` files in `<data dir>/outbox/`, link printed on the console) so a
 * self-hoster without SMTP can still confirm and reset.
 */
import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'
import { writeFileAtomic } from '../storage/lowdb/atomic-file.ts'

export interface Mail {
  to: string
  subject: string
  text: string
  /** The one link the mail exists to deliver; the outbox prints it so it can be followed. */
  link?: string
}

export interface Mailer {
  /** Resolves once the mail is handed to the SMTP server or written to the outbox. */
  send(mail: Mail): Promise<void>
  close(): Promise<void>
}

export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl)
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text })
    },
    async close() {
      transport.close()
    },
  }
}

export interface OutboxOptions {
  /** Directory receiving one `.eml` file per mail. */
  dir: string
  from: string
  /** Where the notice with the link goes (the console); null to stay quiet. */
  print: ((line: string) => void) | null
}

export function createOutboxMailer(options: OutboxOptions): Mailer {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  return {
    async send(mail) {
      const info = await composer.sendMail({ from: options.from, to: mail.to, subject: mail.subject, text: mail.text })
      await mkdir(options.dir, { recursive: true, mode: 0o700 })
      const file = join(options.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`)
      await writeFileAtomic(file, info.message as Buffer)
      options.print?.(`Mail to ${mail.to}: "${mail.subject}" → ${file}${mail.link ? `\n  ${mail.link}` : ''}`)
    },
    async close() {
      composer.close()
    },
  }
}

/**
 * One relay for a suite that mails through a real SMTP server (`smtp.ts`): started before the
 * suite's tests with a public URL for its links, a sender, and sign-in attempts limited only
 * far above what the suite makes; both closed after them.
 */
import { afterAll, beforeAll } from 'vitest'
import { startRelay, type TestRelay } from './relay.ts'
import { startSmtp, type TestSmtp } from './smtp.ts'

export interface MailingRelay {
  readonly relay: TestRelay
  readonly smtp: TestSmtp
}

export function useMailingRelay(): MailingRelay {
  let relay: TestRelay | undefined
  let smtp: TestSmtp | undefined
  beforeAll(async () => {
    smtp = await startSmtp()
    relay = await startRelay({ AUTH_ATTEMPTS_PER_WINDOW: '1000', SMTP_URL: smtp.url, PUBLIC_URL: 'https://ferry.example.test', MAIL_FROM: 'Ferry <ferry@example.test>' })
  })
  afterAll(async () => {
    await relay?.close(true)
    await smtp?.close()
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the mailing relay runs only during the suite')
    return value
  }
  return {
    get relay() {
      return started(relay)
    },
    get smtp() {
      return started(smtp)
    },
  }
}

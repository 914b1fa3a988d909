/**
 * The mail plugin: decorates `app.mail` with the configured transport. `deliver` sends in the
 * background, so a route answers in the same time whether or not it sends a mail (no
 * enumeration by timing); failures are logged, and shutdown waits for mails in flight.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { join } from 'node:path'
import type { Config } from '../config.ts'
import { createOutboxMailer, createSmtpMailer, type Mail, type Mailer } from './mailer.ts'

export interface MailService {
  /** Sends `mail` without waiting; a failure is logged, never thrown. */
  deliver(mail: Mail): void
}

declare module 'fastify' {
  interface FastifyInstance {
    mail: MailService
  }
}

function createMailer(config: Config): Mailer {
  if (config.smtpUrl !== null) return createSmtpMailer(config.smtpUrl, config.mailFrom)
  return createOutboxMailer({
    dir: join(config.dataDir, 'outbox'),
    from: config.mailFrom,
    // The outbox notice carries the link (and so the token) by design: it is how a
    // self-hoster without SMTP confirms. It goes to stdout, not the structured log.
    print: config.logLevel === 'silent' ? null : (line) => console.log(line),
  })
}

export default fp(
  async function mail(app: FastifyInstance, opts: { config: Config }) {
    const mailer = createMailer(opts.config)
    const inFlight = new Set<Promise<void>>()
    app.decorate<MailService>('mail', {
      deliver(message) {
        const sending = mailer
          .send(message)
          .catch((error: unknown) => app.log.error({ err: error, subject: message.subject }, 'sending mail failed'))
          .finally(() => inFlight.delete(sending))
        inFlight.add(sending)
      },
    })
    app.addHook('onClose', async () => {
      await Promise.all(inFlight)
      await mailer.close()
    })
  },
  { name: 'mail' },
)

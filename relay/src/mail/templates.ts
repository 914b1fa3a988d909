/**
 * The texts of the account mails. Links point at the client with the token in the URL
 * fragment (`<PUBLIC_URL>/#/confirm?token=…`), so it never reaches a server log or a Referer.
 */
import type { Mail } from './mailer.ts'

export type ClientRoute = 'confirm' | 'reset'

export function clientLink(publicUrl: string, route: ClientRoute, token: string): string {
  return `${publicUrl}/#/${route}?token=${encodeURIComponent(token)}`
}

export function confirmMail(to: string, name: string, link: string): Mail {
  return {
    to,
    link,
    subject: 'Confirm your Ferry email address',
    text: `Hello ${name},\n\nconfirm your email address for Ferry by opening this link (valid for 24 hours):\n\n${link}\n\nIf you did not sign up, ignore this mail.\n`,
  }
}

/** Sent when someone signs up with an address that already has an account. */
export function alreadyRegisteredMail(to: string, name: string): Mail {
  return {
    to,
    subject: 'You already have a Ferry account',
    text: `Hello ${name},\n\nsomeone (maybe you) tried to sign up for Ferry with this address, which already has an account.\nSign in instead; if you forgot your password, use "Trouble signing in?".\n\nIf it was not you, ignore this mail.\n`,
  }
}

export function recoverMail(to: string, name: string, link: string): Mail {
  return {
    to,
    link,
    subject: 'Your Ferry account',
    text: `Hello ${name},\n\nyou asked for help signing in to Ferry.\n\nYour username (the email you sign in with): ${to}\nYour name: ${name}\n\nTo set a new password, open this link (valid for 30 minutes, usable once):\n\n${link}\n\nIf you did not ask, ignore this mail; your password stays as it is.\n`,
  }
}

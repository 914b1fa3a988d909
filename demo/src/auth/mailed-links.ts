/**
 * The screens behind mailed links and their notices: "check your email" after sign-up,
 * `#/confirm?token=`, "Trouble signing in?" (`#/recover`), `#/reset?token=` and the OIDC
 * hand-off `#/oidc?code=`.
 */
import { h } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { describeError, field, submitForm, textInput } from '../ui/form.ts'
import { href, navigateUnlessMoved, type Route } from '../ui/router.ts'
import type { AppSession } from '../model/session.ts'
import { authCard, errorBox } from './auth-layout.ts'
import { PASSWORD_HINT, passwordProblem } from '../lib/password-rule.ts'

const continueLink = (label = 'Continue to Ferry') => h('a', { class: 'btn btn-primary btn-block', href: href([]), 'data-testid': 'continue' }, label)

export function checkEmailScreen(route: Route, signedIn: boolean): HTMLElement {
  const email = route.query.get('email') ?? 'your address'
  return authCard(
    'Confirm your email',
    ['We sent a confirmation link to ', h('strong', {}, email), '. Open it to confirm your address.'],
    h('div', { class: 'auth-icon' }, icon('send', 22)),
    h('p', { class: 'hint' }, 'You can use Ferry right away; confirming is needed to share collections. No mail? Check your spam folder.'),
    signedIn ? continueLink() : h('a', { class: 'btn btn-primary btn-block', href: href(['signin']) }, 'Sign in'),
  )
}

export function confirmScreen(session: AppSession, route: Route): HTMLElement {
  const token = route.query.get('token') ?? ''
  const status = h('div', { role: 'status', 'data-testid': 'confirm-status' }, h('p', { class: 'hint' }, 'Confirming your email…'))
  const card = authCard('Confirm your email', null, status)
  const done = (ok: boolean, message: string) => {
    status.replaceChildren(
      h('div', { class: ok ? 'alert alert-ok' : 'alert' }, ok ? icon('check') : icon('alert'), h('span', {}, message)),
      h('div', { style: 'height:12px' }),
      continueLink(ok ? 'Open Ferry' : 'Back to Ferry'),
    )
  }
  if (!token) done(false, 'This link has no token. Open the link from the email again.')
  else session.confirmEmail(token).then(
    () => done(true, 'Your email is confirmed. Thank you!'),
    (error: unknown) => done(false, `We could not confirm your email. ${describeError(error)}`),
  )
  return card
}

export function recoverScreen(session: AppSession): HTMLElement {
  const alert = errorBox()
  const email = textInput({ type: 'email', autocomplete: 'email', required: true, 'data-testid': 'recover-email' })
  const body = h('div', { style: 'display:grid;gap:14px' })
  const form = submitForm(
    alert,
    async () => {
      const address = email.value.trim()
      await session.recover(address)
      body.replaceChildren(
        h('div', { class: 'alert alert-info', role: 'status' }, icon('send'),
          h('span', {}, 'If an account exists for ', h('strong', {}, address), ', we sent it an email with your username and a link to choose a new password.')),
        h('a', { class: 'btn btn-block', href: href(['signin']) }, 'Back to sign in'),
      )
    },
    alert,
    field('Email', email, 'The address you signed up with.'),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block', 'data-testid': 'recover-submit' }, 'Email me a reset link'),
  )
  body.append(form, h('p', { class: 'auth-foot' }, h('a', { href: href(['signin']) }, '← Back to sign in')))
  return authCard('Trouble signing in?', 'We will email you your username and a link to reset your password.', body)
}

export function resetScreen(session: AppSession, route: Route): HTMLElement {
  const token = route.query.get('token') ?? ''
  const alert = errorBox()
  const password = textInput({ type: 'password', autocomplete: 'new-password', required: true, 'data-testid': 'reset-password' })
  const repeat = textInput({ type: 'password', autocomplete: 'new-password', required: true, 'data-testid': 'reset-repeat' })
  const body = h('div', { style: 'display:grid;gap:14px' })
  const form = submitForm(
    alert,
    async () => {
      const problem = passwordProblem(password.value)
      if (problem) throw new Error(problem)
      if (password.value !== repeat.value) throw new Error('The two passwords do not match.')
      await session.resetPassword(token, password.value)
      body.replaceChildren(
        h('div', { class: 'alert alert-ok', role: 'status' }, icon('check'), h('span', {}, 'Your password is changed. You were signed out everywhere; sign in with the new password.')),
        h('a', { class: 'btn btn-primary btn-block', href: href(['signin']) }, 'Sign in'),
      )
    },
    alert,
    field('New password', password, PASSWORD_HINT),
    field('Repeat the new password', repeat),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block', 'data-testid': 'reset-submit' }, 'Set new password'),
  )
  body.append(token ? form : h('div', { class: 'alert' }, 'This link has no reset token. Open the link from the email again, or ask for a new one.'))
  return authCard('Choose a new password', null, body)
}

const OIDC_ERRORS: Readonly<Record<string, string>> = {
  access_denied: 'The sign-in was cancelled.',
  email_taken: 'An account with this email already exists. Sign in with your password instead.',
}

export function oidcScreen(session: AppSession, route: Route): HTMLElement {
  const code = route.query.get('code')
  const error = route.query.get('error')
  const status = h('div', { role: 'status' }, h('p', { class: 'hint' }, 'Signing you in…'))
  const fail = (message: string) =>
    status.replaceChildren(h('div', { class: 'alert', 'data-testid': 'auth-error' }, icon('alert'), h('span', {}, message)), h('div', { style: 'height:12px' }),
      h('a', { class: 'btn btn-block', href: href(['signin']) }, 'Back to sign in'))
  if (error || !code) fail(OIDC_ERRORS[error ?? ''] ?? 'The sign-in did not complete. Please try again.')
  else {
    const from = location.hash
    session.signInWithOidc(code).then(() => navigateUnlessMoved(from, [], undefined, true), (e: unknown) => fail(describeError(e)))
  }
  return authCard('Signing in', null, status)
}

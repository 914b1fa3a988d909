/**
 * Sign in and sign up. Both offer "Sign in with <provider>" when the relay has an OpenID
 * Connect provider configured; sign-in also leads to "Trouble signing in?" and, when nothing is
 * signed in yet, to using Ferry on this device only.
 */
import { h } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { field, submitForm, textInput } from '../ui/form.ts'
import { href, navigateUnlessMoved, type Route } from '../ui/router.ts'
import type { AppSession, Provider } from '../model/session.ts'
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH } from '@ferry/protocol'
import { PASSWORD_HINT, passwordProblem } from '../lib/password-rule.ts'
import { authCard, errorBox } from './auth-layout.ts'

function providerButtons(session: AppSession): HTMLElement {
  const box = h('div', { style: 'display:grid;gap:10px', hidden: true })
  session.providers().then(
    (providers: Provider[]) => {
      if (providers.length === 0) return
      box.hidden = false
      box.append(
        ...providers.map((p) =>
          h('a', { class: 'btn btn-block', href: session.oidcStartUrl(p.id), 'data-testid': `oidc-${p.id}` },
            p.id === 'google' || /google/i.test(p.name) ? icon('google') : icon('user'), `Sign in with ${p.name}`),
        ),
        h('div', { class: 'divider' }, 'or'),
      )
    },
    // No relay reachable: email sign-in shows its own error when tried.
    () => undefined,
  )
  return box
}

export function signInScreen(session: AppSession, route: Route): HTMLElement {
  const adding = route.query.get('add') === '1'
  const alert = errorBox()
  const email = textInput({ type: 'email', autocomplete: 'username', required: true, value: route.query.get('email') ?? '', 'data-testid': 'signin-email' })
  const password = textInput({ type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'signin-password' })
  const form = submitForm(
    alert,
    async () => {
      const from = location.hash
      await session.signIn(email.value.trim(), password.value)
      navigateUnlessMoved(from, [], undefined, true)
    },
    alert,
    field('Email', email),
    field('Password', password),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block', 'data-testid': 'signin-submit' }, 'Sign in'),
  )
  const hasAccounts = session.accounts().length > 0
  return authCard(
    adding ? 'Add an account' : 'Sign in to Ferry',
    adding ? 'Sign in to another account. You stay signed in to the others.' : 'Your API workspace, on all your devices.',
    providerButtons(session),
    form,
    h('div', { class: 'auth-links' }, h('a', { href: href(['recover']) }, 'Trouble signing in?'), h('a', { href: href(['signup'], adding ? { add: '1' } : undefined), 'data-testid': 'to-signup' }, 'Create an account')),
    adding || hasAccounts
      ? h('p', { class: 'auth-foot' }, h('a', { href: href([]) }, '← Back to your workspace'))
      : h('p', { class: 'auth-foot' }, 'Just trying it out? ', h('a', { href: href([], { local: '1' }), 'data-testid': 'use-locally' }, 'Use Ferry on this device without an account')),
  )
}

export function signUpScreen(session: AppSession, route: Route): HTMLElement {
  const alert = errorBox()
  const name = textInput({ autocomplete: 'name', maxlength: String(MAX_NAME_LENGTH), 'data-testid': 'signup-name' })
  const email = textInput({ type: 'email', autocomplete: 'email', required: true, maxlength: String(MAX_EMAIL_LENGTH), 'data-testid': 'signup-email' })
  const password = textInput({ type: 'password', autocomplete: 'new-password', required: true, 'data-testid': 'signup-password' })
  const form = submitForm(
    alert,
    async () => {
      const from = location.hash
      const address = email.value.trim()
      const problem = passwordProblem(password.value)
      if (problem) throw new Error(problem)
      await session.signUp(address, password.value, name.value.trim())
      // Signing in works before confirming; the app then shows a "confirm your email" notice.
      try {
        await session.signIn(address, password.value)
        navigateUnlessMoved(from, ['welcome'], { email: address }, true)
      } catch {
        navigateUnlessMoved(from, ['check-email'], { email: address }, true)
      }
    },
    alert,
    field('Name', name, 'Shown to people you share collections with.'),
    field('Email', email),
    field('Password', password, PASSWORD_HINT),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block', 'data-testid': 'signup-submit' }, 'Create account'),
  )
  return authCard(
    'Create your account',
    'Sync your collections, environments and history across devices.',
    providerButtons(session),
    form,
    h('p', { class: 'auth-foot' }, 'Already have an account? ', h('a', { href: href(['signin'], route.query.get('add') ? { add: '1' } : undefined) }, 'Sign in')),
  )
}

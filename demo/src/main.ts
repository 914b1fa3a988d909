/**
 * Boot: open the client (accounts + the active workspace from IndexedDB, so this works with
 * the relay unreachable), register the service worker that caches the app shell, and show
 * either a sign-in screen or the app, following the route and the active account.
 */
import './styles/base.css'
import './styles/app.css'
import './styles/variable-field.css'
import './styles/auth.css'
import { h, Scope } from './ui/dom.ts'
import { toast } from './ui/dialogs.ts'
import { describeError } from './ui/form.ts'
import { currentRoute, navigate, type Route } from './ui/router.ts'
import type { AppSession } from './model/session.ts'
import { ClientSession } from './model/client-session.ts'
import { signInScreen, signUpScreen } from './auth/sign-in.ts'
import { checkEmailScreen, confirmScreen, oidcScreen, recoverScreen, resetScreen } from './auth/mailed-links.ts'
import { appShell } from './shell/app-shell.ts'
import { sharedScreen } from './shared/shared-view.ts'
import { LOCAL_CHOSEN_KEY } from './app-context.ts'

/** Full-page screens by the route's first part; everything else is the app. */
const screens: Readonly<Record<string, (session: AppSession, route: Route, scope: Scope) => HTMLElement>> = {
  signin: signInScreen,
  signup: signUpScreen,
  recover: (session) => recoverScreen(session),
  reset: resetScreen,
  confirm: confirmScreen,
  oidc: oidcScreen,
  'check-email': (session, route) => checkEmailScreen(route, session.active() !== null),
  welcome: (session, route) => checkEmailScreen(route, session.active() !== null),
  shared: (session, _route, scope) => sharedScreen(session, scope),
}

function openingScreen(): HTMLElement {
  return h('main', { class: 'auth', 'data-testid': 'opening-workspace', 'aria-busy': 'true' }, h('p', { class: 'hint', role: 'status' }, 'Opening your workspace…'))
}

function mount(root: HTMLElement, session: AppSession): void {
  let scope = new Scope()
  let shownKey = ''
  const render = () => {
    const route = currentRoute()
    if (route.query.get('local') === '1') {
      localStorage.setItem(LOCAL_CHOSEN_KEY, '1')
      navigate([], undefined, true)
      return
    }
    const screen = screens[route.parts[0] ?? '']
    const needsSignIn = !screen && session.active() === null && session.accounts().length === 0 && localStorage.getItem(LOCAL_CHOSEN_KEY) !== '1'
    // Between a sign-in (or switch) naming the next account and its workspace being open, the
    // last workspace must not take edits: they would stay behind in it.
    const opening = !screen && !needsSignIn && !session.workspaceReady()
    const key = screen ? `auth:${route.parts[0]}:${route.query.toString()}` : needsSignIn ? 'auth:signin' : opening ? 'opening' : `app:${session.workspace().owner}`
    if (key === shownKey) return
    shownKey = key
    scope.dispose()
    scope = new Scope()
    const view = screen ? screen(session, route, scope) : needsSignIn ? signInScreen(session, route) : opening ? openingScreen() : appShell(scope, session)
    root.replaceChildren(view)
    document.title = route.parts[0] === 'shared' ? 'Ferry — shared collection' : screen || needsSignIn ? 'Ferry — sign in' : 'Ferry'
  }
  window.addEventListener('hashchange', render)
  session.onChange(render)
  render()
}

async function boot(): Promise<void> {
  const root = document.getElementById('app')
  if (!root) return
  window.addEventListener('unhandledrejection', (event) => toast(describeError(event.reason), 'error'))
  // Not under Vite's dev server (which has hot reload and serves no sw.js).
  if (!import.meta.hot && 'serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(() => undefined)
  }
  try {
    mount(root, await ClientSession.open(location.origin))
  } catch (error) {
    root.replaceChildren(h('main', { class: 'auth' }, h('section', { class: 'auth-card' }, h('h1', {}, 'Ferry could not start'),
      h('p', { class: 'lead' }, describeError(error)),
      h('p', { class: 'hint' }, 'This browser must allow local storage (IndexedDB). Private windows of some browsers do not.'))))
  }
}

void boot()

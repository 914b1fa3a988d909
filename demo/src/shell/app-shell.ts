/** The signed-in (or local-only) app: header, sidebar, notices and the main pane. */
import { h, region, type Scope } from '../ui/dom.ts'
import { ExpandedSet, type AppContext } from '../app-context.ts'
import type { AppSession } from '../model/session.ts'
import { sidebar } from '../sidebar/sidebar.ts'
import { banners } from './banners.ts'
import { header } from './header.ts'
import { mainPane } from './main-pane.ts'
import { vaultWarnings } from '../vault/vault-warnings.ts'
import { finishMoves } from '../model/move-journal.ts'
import { provideVariableLookup, sessionLookup } from '../model/variable-lookup.ts'
import { currentRoute } from '../ui/router.ts'
import { attachVariableHints } from './variable-hints.ts'
import { refreshVariableFields } from '../ui/variable-field.ts'
import { onActiveEnvironmentChange } from '../model/active-environment.ts'
import { toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'

export function appShell(scope: Scope, session: AppSession): HTMLElement {
  const workspace = session.workspace()
  const ctx: AppContext = { session, workspace, expanded: new ExpandedSet(workspace.owner) }
  // A move to another collection that a closed tab left half done is completed now.
  void finishMoves(workspace).catch((error: unknown) => toast(describeError(error), 'error'))
  const app = h('div', { class: 'app' })
  const toggleDrawer = () => app.classList.toggle('drawer-open')
  const notices = h('div')
  region(scope, notices, () => banners(session), (changed) => session.onChange(changed))
  const vaultBox = h('div')
  void session.vault().then((vault) => {
    if (vault && !scope.disposed) vaultBox.append(vaultWarnings(scope, vault, { reencryptable: async () => (await session.variableValues()).reencryptable() }))
  }, () => undefined)
  // `{{name}}` hints use the open request's collection variables, as Send does.
  scope.add(provideVariableLookup(sessionLookup(session, workspace, () => {
    const route = currentRoute()
    return route.parts[0] === 'r' || route.parts[0] === 'settings' ? (route.parts[1] ?? null) : null
  })))
  const main = h('main', { class: 'main', 'aria-label': 'Editor', onclick: () => app.classList.remove('drawer-open') }, h('div', {}, notices, vaultBox), mainPane(scope, ctx))
  attachVariableHints(scope, main)
  // Highlighted references re-resolve when what they could stand for changes.
  scope.add(onActiveEnvironmentChange(refreshVariableFields))
  void session.variableValues().then((values) => {
    scope.add(values.environments.observe(refreshVariableFields))
    scope.add(values.onChange(refreshVariableFields))
  }, (error: unknown) => console.warn('Ferry: variable values unavailable', error))
  app.append(header(scope, session, toggleDrawer), h('div', { class: 'body' }, sidebar(scope, ctx), main))
  // On narrow windows the sidebar is a drawer: Escape closes it too.
  scope.listen(document, 'keydown', (event: KeyboardEvent) => event.key === 'Escape' && app.classList.remove('drawer-open'))
  return app
}

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
  app.append(
    header(scope, session, toggleDrawer),
    h('div', { class: 'body' }, sidebar(scope, ctx), h('main', { class: 'main', 'aria-label': 'Editor', onclick: () => app.classList.remove('drawer-open') }, h('div', {}, notices, vaultBox), mainPane(scope, ctx))),
  )
  // On narrow windows the sidebar is a drawer: Escape closes it too.
  scope.listen(document, 'keydown', (event: KeyboardEvent) => event.key === 'Escape' && app.classList.remove('drawer-open'))
  return app
}

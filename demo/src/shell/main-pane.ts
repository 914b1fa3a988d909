/** The main area, chosen by the route: home, a request, an environment, a history entry, the trash. */
import { append, h, region, type Child, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { describeError } from '../ui/form.ts'
import { currentRoute, href, navigate, type Route } from '../ui/router.ts'
import type { AppContext } from '../app-context.ts'
import { requestEditor } from '../request/request-editor.ts'
import { environmentEditor } from '../env/environment-editor.ts'
import { historyDetail } from '../request/history-detail.ts'
import { settingsView } from '../collection/settings-view.ts'
import { trashView } from '../trash/trash-view.ts'
import { pickAndImportPostman } from '../sidebar/postman-import.ts'
import { promptText } from '../ui/dialogs.ts'
import { whereWorkIsKept } from '../model/mode-copy.ts'

/** Shows `load`'s view once it resolves; a failure is shown in words. */
function later(scope: Scope, load: (scope: Scope) => Promise<Child>): HTMLElement {
  const box = h('div', { style: 'height:100%' })
  load(scope).then(
    (view) => {
      if (scope.disposed) return
      box.replaceChildren()
      append(box, [view])
    },
    (error: unknown) => box.replaceChildren(h('div', { class: 'alert', role: 'alert' }, icon('alert'), h('span', {}, describeError(error)))),
  )
  return box
}

function home(ctx: AppContext): HTMLElement {
  const account = ctx.session.active()
  const create = async () => {
    const name = await promptText('New collection', 'Collection name', '', 'Create')
    if (!name) return
    const id = await ctx.workspace.createCollection(name)
    ctx.expanded.set(id, true)
    const collection = await ctx.workspace.collection(id)
    navigate(['r', id, collection.add({ kind: 'request', name: 'New request', method: 'GET' })])
  }
  return h('div', { class: 'empty', style: 'height:100%;align-content:center' },
    h('div', { class: 'brand-mark', style: 'width:56px;height:56px;border-radius:14px' }, icon('send', 28)),
    h('h1', { style: 'color:var(--text)' }, account ? `Welcome${account.name ? `, ${account.name}` : ''}` : 'Welcome to Ferry'),
    h('p', { style: 'max-width:440px' }, `Pick a request in the sidebar, or start a new collection. ${whereWorkIsKept(ctx.session)}`),
    h('div', { class: 'field-row', style: 'justify-content:center;flex-wrap:wrap;margin-top:6px' },
      h('button', { type: 'button', class: 'btn btn-primary', onclick: () => void create(), 'data-testid': 'home-new-collection' }, icon('plus', 16), 'New collection'),
      h('button', { type: 'button', class: 'btn', onclick: () => pickAndImportPostman(ctx) }, icon('upload', 16), 'Import from Postman')),
    account ? null : h('p', { class: 'hint', style: 'margin-top:12px' }, h('a', { href: href(['signin']) }, 'Sign in'), ' to keep your workspace in an account and use it on your other devices.'))
}

/**
 * An editor rebuilt when its doc stops (or starts) being writable here: an update from a
 * newer Ferry turns it read-only at once, with its notice, instead of failing on the next edit.
 */
function editorOf(scope: Scope, doc: { writable(): boolean; observe(cb: () => void): () => void }, render: (scope: Scope) => Child): HTMLElement {
  const box = h('div', { style: 'height:100%' })
  let writable = doc.writable()
  region(scope, box, render, (changed) => doc.observe(() => {
    if (doc.writable() === writable) return
    writable = !writable
    changed()
  }))
  return box
}

function viewFor(scope: Scope, ctx: AppContext, route: Route): Child {
  const [first, a, b] = route.parts
  if (first === 'r' && a && b) {
    return later(scope, async (s) => {
      const collection = await ctx.workspace.collection(a)
      return editorOf(s, collection, (inner) => requestEditor(inner, ctx, a, collection, b))
    })
  }
  if (first === 'settings' && a) {
    return later(scope, async (s) => {
      const collection = await ctx.workspace.collection(a)
      return editorOf(s, collection, (inner) => settingsView(inner, ctx, a, collection, b ?? null, route.query.get('tab')))
    })
  }
  if (first === 'env' && a) {
    return later(scope, async (s) => {
      const [values, vault] = await Promise.all([ctx.session.variableValues(), ctx.session.vault()])
      return editorOf(s, values.environments, (inner) => environmentEditor(inner, ctx, values, vault, a))
    })
  }
  if (first === 'trash') {
    return later(scope, async (s) => trashView(s, ctx, await ctx.workspace.environments()))
  }
  if (first === 'history' && a) {
    return later(scope, async (s) => historyDetail(s, ctx, await ctx.workspace.history(), a))
  }
  return home(ctx)
}

export function mainPane(scope: Scope, ctx: AppContext): HTMLElement {
  const pane = h('div', { class: 'pane', id: 'main-pane', tabindex: '-1' })
  let shown = ''
  const render = region(scope, pane, (inner) => viewFor(inner, ctx, currentRoute()))
  const onRoute = () => {
    const route = currentRoute()
    const key = route.parts.join('/')
    if (key === shown) return
    shown = key
    render()
  }
  shown = currentRoute().parts.join('/')
  scope.listen(window, 'hashchange', onRoute)
  return pane
}

/**
 * A collection opened from a share link (`#/shared?token=…`): read-only and live (edits by the
 * owner appear as they happen), with "Import into my workspace" to get an editable copy. It
 * works without an account; an import then lands in the local-only workspace.
 */
import type { SharedCollection } from '@ferry/client'
import { h, region, replaceChildren, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import { href, navigate } from '../ui/router.ts'
import { ExpandedSet, LOCAL_CHOSEN_KEY } from '../app-context.ts'
import type { AppSession } from '../model/session.ts'
import type { RequestNode, TreeNode } from '../model/types.ts'

function readOnlyTree(nodes: TreeNode[], selected: string | null, select: (id: string) => void): HTMLElement {
  return h('ul', { class: 'tree', role: 'group' }, nodes.map((node) =>
    h('li', { role: 'none' },
      h('div', {
        class: 'tree-row', role: 'treeitem', tabindex: '0', 'aria-selected': String(node.id === selected),
        'aria-label': node.kind === 'folder' ? `Folder ${node.name}` : `${node.method} ${node.name || 'Untitled request'}`,
        onclick: () => node.kind === 'request' && select(node.id),
        onkeydown: (e: KeyboardEvent) => (e.key === 'Enter' || e.key === ' ') && node.kind === 'request' && (e.preventDefault(), select(node.id)),
      },
      node.kind === 'folder' ? icon('folder', 16) : h('span', { class: `method method-${node.method}` }, node.method),
      h('span', { class: 'label-text' }, node.name || 'Untitled request')),
      node.kind === 'folder' ? readOnlyTree(node.children, selected, select) : null)))
}

function requestView(node: RequestNode): HTMLElement {
  const enabled = node.headers.filter((hd) => hd.enabled)
  return h('div', { style: 'display:grid;gap:12px', 'data-testid': 'shared-request' },
    h('h1', {}, node.name || 'Untitled request'),
    h('div', { class: 'urlbar' }, h('div', { class: 'url-group', style: 'align-items:center;padding:0 10px;gap:10px;min-height:40px' },
      h('span', { class: `method method-${node.method}`, style: 'font-size:12.5px' }, node.method),
      h('code', { style: 'word-break:break-all', 'data-testid': 'shared-url' }, node.url))),
    h('section', { class: 'panel' }, h('div', { class: 'panel-body', style: 'display:grid;gap:14px' },
      h('div', {}, h('h3', { style: 'margin-bottom:6px' }, 'Headers'), enabled.length
        ? h('table', { class: 'headers-table' }, h('tbody', {}, enabled.map((hd) => h('tr', {}, h('td', {}, hd.key), h('td', {}, hd.value)))))
        : h('p', { class: 'hint' }, 'No headers.')),
      h('div', {}, h('h3', { style: 'margin-bottom:6px' }, 'Body'), node.body.mode === 'raw' && node.body.raw
        ? h('pre', { class: 'code-view' }, node.body.raw)
        : node.body.mode === 'urlencoded' || node.body.mode === 'formdata'
          ? h('table', { class: 'headers-table' }, h('tbody', {}, node.body.fields.filter((f) => f.enabled).map((f) => h('tr', {}, h('td', {}, f.key), h('td', {}, f.value)))))
          : h('p', { class: 'hint' }, 'No body.')))))
}

/** Why an open view closed, from the relay's close reason (revoked, collection trashed or deleted, or else expired). */
function closedSentence(reason: string): string {
  if (/revoked/i.test(reason)) return 'The owner revoked this link.'
  if (/trash/i.test(reason)) return 'The owner moved this collection to the trash; the link opens again if they restore it.'
  if (/deleted/i.test(reason)) return 'The owner deleted this collection.'
  return 'This link stopped working (it may have expired).'
}

function firstRequest(nodes: TreeNode[]): string | null {
  for (const node of nodes) {
    if (node.kind === 'request') return node.id
    const inner = firstRequest(node.children)
    if (inner) return inner
  }
  return null
}

function showShared(scope: Scope, session: AppSession, shared: SharedCollection, root: HTMLElement): void {
  scope.add(() => shared.close())
  let selected: string | null = null
  const live = h('span', { class: 'sync-badge', 'data-state': 'in-sync', 'data-testid': 'shared-status', style: 'cursor:default' })
  const importButton = h('button', { type: 'button', class: 'btn btn-sm btn-primary', 'data-testid': 'import-shared', onclick: () => {
    importButton.disabled = true
    session.importShared(shared).then((id) => {
      new ExpandedSet(session.workspace().owner).set(id, true)
      // Without an account the copy lands in the local-only workspace: show it, not the sign-in.
      if (!session.active()) localStorage.setItem(LOCAL_CHOSEN_KEY, '1')
      toast(`Imported "${shared.name}" into your workspace`)
      navigate([], undefined, true)
    }, (error: unknown) => {
      importButton.disabled = false
      toast(describeError(error), 'error')
    })
  } }, icon('download', 15), 'Import into my workspace')
  const closedNotice = h('div', { class: 'alert alert-warn', role: 'alert', hidden: true, style: 'margin:12px 12px 0', 'data-testid': 'shared-closed' })
  const paintStatus = () => {
    const status = shared.status
    const closed = status.kind === 'error'
    live.dataset.state = closed ? 'offline' : status.kind === 'in-sync' ? 'in-sync' : 'syncing'
    replaceChildren(live, h('span', { class: 'state-icon' }, icon(closed ? 'cloudOff' : 'cloudCheck', 16)), h('span', { class: 'state-text' }, closed ? 'LINK CLOSED' : 'LIVE'))
    // What is on screen is no longer the owner's collection: it is not offered as a copy.
    importButton.hidden = closed
    closedNotice.hidden = !closed
    if (closed) replaceChildren(closedNotice, icon('alert'), h('span', {}, closedSentence(status.reason), ' What you see is the collection as it was then; it can no longer be imported.'))
  }
  paintStatus()
  scope.add(shared.onStatus(paintStatus))
  const tree = h('div', { role: 'tree', 'aria-label': shared.name })
  const main = h('div', { class: 'pane' })
  region(scope, tree, () => {
    const nodes = shared.collection.tree()
    selected ??= firstRequest(nodes)
    const node = selected ? shared.collection.get(selected) : undefined
    replaceChildren(main, node?.kind === 'request' ? requestView(node)
      : h('div', { class: 'empty', style: 'height:100%' }, icon('box', 40), h('h2', {}, nodes.length ? 'Pick a request' : 'This collection is empty')))
    return readOnlyTree(nodes, selected, (id) => {
      selected = id
      tree.dispatchEvent(new Event('select'))
    })
  }, (changed) => {
    const off = shared.collection.observe(changed)
    tree.addEventListener('select', changed)
    return () => (off(), tree.removeEventListener('select', changed))
  })
  replaceChildren(root, h('div', { class: 'app' },
    h('header', { class: 'header' },
      h('a', { href: href([]), class: 'brand', 'aria-label': 'Ferry home' }, h('span', { class: 'brand-mark' }, icon('send', 16)), h('span', {}, 'Ferry')),
      h('span', { class: 'badge', style: 'background:rgb(255 255 255 / 10%);color:#e8ebf1' }, icon('lock', 12), 'Read-only'),
      h('span', { style: 'font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap' }, shared.name,
        shared.ownerName ? h('span', { style: 'color:#9aa3b2;font-weight:400' }, ` · shared by ${shared.ownerName}`) : null),
      h('span', { class: 'spacer' }), live, importButton),
    h('div', { class: 'body' }, h('aside', { class: 'sidebar', 'aria-label': 'Shared collection' }, h('div', { class: 'sidebar-scroll', style: 'padding-top:8px' }, tree)),
      h('main', { class: 'main', 'aria-label': 'Request' }, closedNotice, main))))
}

export function sharedScreen(session: AppSession, scope: Scope): HTMLElement {
  const root = h('div', {}, h('main', { class: 'auth' }, h('section', { class: 'auth-card' }, h('p', { class: 'hint' }, 'Opening the shared collection…'))))
  const fail = (error: unknown) => replaceChildren(root, h('main', { class: 'auth' }, h('section', { class: 'auth-card' },
    h('h1', {}, 'This link does not open'), h('div', { class: 'alert', 'data-testid': 'shared-error' }, icon('alert'), h('span', {}, describeError(error))),
    h('a', { class: 'btn btn-block', href: href([]) }, 'Go to my workspace'))))
  session.openShared(location.href).then(async (shared) => {
    if (scope.disposed) return shared.close()
    await shared.loaded
    if (scope.disposed) return shared.close()
    showShared(scope, session, shared, root)
  }, fail).catch(fail)
  return root
}

/**
 * The sidebar: tabs for Collections, Environments and History, each with its own tool row, and
 * the Trash below them. The chosen tab is remembered on this device.
 */
import { h, region, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { promptText, toast } from '../ui/dialogs.ts'
import { whenLoaded } from '../ui/workspace-reads.ts'
import { href } from '../ui/router.ts'
import { describeError } from '../ui/form.ts'
import type { AppContext } from '../app-context.ts'
import { collectionsTree } from './collections-tree.ts'
import { conflictNotices, newerSchemaNotice } from '../ui/conflict-notices.ts'
import { indexConflicts } from '../model/index-conflicts.ts'
import { createEnvironment, environmentsList } from './environments-list.ts'
import { historyList } from './history-list.ts'
import { pickAndImportPostman } from './postman-import.ts'

type Tab = 'collections' | 'environments' | 'history'
const TABS: readonly { id: Tab; label: string; icon: 'box' | 'layers' | 'clock' }[] = [
  { id: 'collections', label: 'Collections', icon: 'box' },
  { id: 'environments', label: 'Environments', icon: 'layers' },
  { id: 'history', label: 'History', icon: 'clock' },
]
const TAB_KEY = 'ferry:sidebar-tab'

function storedTab(): Tab {
  const stored = localStorage.getItem(TAB_KEY)
  return TABS.some((t) => t.id === stored) ? (stored as Tab) : 'collections'
}

async function newCollection(ctx: AppContext): Promise<void> {
  const name = await promptText('New collection', 'Collection name', '', 'Create')
  if (!name) return
  try {
    const id = await ctx.workspace.createCollection(name)
    ctx.expanded.set(id, true)
  } catch (error) {
    toast(describeError(error), 'error')
  }
}

function iconButton(label: string, name: Parameters<typeof icon>[0], onclick: () => void, testId?: string): HTMLButtonElement {
  return h('button', { type: 'button', class: 'icon-btn', 'aria-label': label, title: label, onclick, 'data-testid': testId }, icon(name))
}

export function sidebar(scope: Scope, ctx: AppContext): HTMLElement {
  let tab = storedTab()
  const panel = h('div', { class: 'sidebar-panel', role: 'tabpanel', style: 'display:flex;flex-direction:column;min-height:0;flex:1' })
  const tabButtons = TABS.map((t) =>
    h('button', {
      type: 'button', role: 'tab', class: 'tab', id: `tab-${t.id}`, 'aria-controls': 'sidebar-panel', 'data-testid': `tab-${t.id}`,
      onclick: () => select(t.id),
      onkeydown: (event: KeyboardEvent) => {
        if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return
        const i = TABS.findIndex((x) => x.id === t.id) + (event.key === 'ArrowRight' ? 1 : -1)
        const next = TABS[(i + TABS.length) % TABS.length]!
        select(next.id)
        document.getElementById(`tab-${next.id}`)?.focus()
      },
    }, t.label),
  )
  panel.id = 'sidebar-panel'
  const render = region(scope, panel, (inner) => {
    for (const b of tabButtons) {
      const selected = b.id === `tab-${tab}`
      b.setAttribute('aria-selected', String(selected))
      b.tabIndex = selected ? 0 : -1
    }
    panel.setAttribute('aria-labelledby', `tab-${tab}`)
    if (tab === 'collections') {
      let query = ''
      const search = h('input', { class: 'input', type: 'search', placeholder: 'Filter collections', 'aria-label': 'Filter collections' })
      const tree = collectionsTree(inner, ctx, () => query)
      search.addEventListener('input', () => {
        query = search.value
        tree.dispatchEvent(new Event('refilter'))
      })
      return [
        h('div', { class: 'sidebar-tools' }, search,
          iconButton('New collection', 'plus', () => void newCollection(ctx), 'new-collection'),
          iconButton('Import from Postman (collections, environments, globals, data dumps)', 'upload', () => pickAndImportPostman(ctx), 'import-collection')),
        ctx.workspace.index.writable() ? null : newerSchemaNotice(),
        conflictNotices(inner, {
          writable: ctx.workspace.index.writable(),
          list: () => indexConflicts(ctx.workspace.index),
          resolve: (id, keep) => void ctx.workspace.index.resolveConflict(id, keep),
          observe: (changed) => ctx.workspace.index.observe(changed),
        }),
        h('div', { class: 'sidebar-scroll' }, tree),
      ]
    }
    const body = h('div', { class: 'sidebar-scroll' }, h('p', { class: 'hint', style: 'padding:8px' }, 'Loading…'))
    if (tab === 'environments') {
      const add = iconButton('New environment', 'plus', () => whenLoaded(ctx.workspace.environments(), createEnvironment), 'new-environment')
      whenLoaded(ctx.workspace.environments(), (envs) => !inner.disposed && body.replaceChildren(environmentsList(inner, ctx, envs)))
      const importButton = iconButton('Import from Postman (environments, globals, collections, data dumps)', 'upload', () => pickAndImportPostman(ctx), 'import-postman')
      return [h('div', { class: 'sidebar-tools' }, h('span', { class: 'grow', style: 'flex:1;font-weight:600;padding-left:4px' }, 'Variables'), importButton, add), body]
    }
    body.replaceChildren(historyList(inner, ctx))
    return body
  })
  const select = (next: Tab) => {
    if (next === tab) return
    tab = next
    localStorage.setItem(TAB_KEY, tab)
    render()
  }
  // On a narrow window the sidebar is a drawer: it closes on the way to the Trash.
  const trash = h('a', { class: 'list-row sidebar-trash', href: href(['trash']), 'data-testid': 'open-trash', onclick: () => document.querySelector('.app')?.classList.remove('drawer-open') },
    icon('trash', 16), h('span', { class: 'grow' }, 'Trash'))
  return h('aside', { class: 'sidebar', 'aria-label': 'Workspace' }, h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Sidebar' }, tabButtons), panel, trash)
}

/**
 * The settings of a collection or of one of its folders (`#/settings/<collection>[/<folder>]`,
 * `?tab=` one of the tabs): its description, the auth its requests inherit, its variables and
 * its scripts. Every field writes to the collection's document as the user types.
 */
import { h, replaceChildren, syncValue, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { kvTable } from '../ui/kv-table.ts'
import { bindTextOnFocus } from '../ui/text-binding.ts'
import { newerSchemaNotice } from '../ui/conflict-notices.ts'
import type { AppContext } from '../app-context.ts'
import type { Collection } from '../model/types.ts'
import { authEditor } from '../request/auth-editor.ts'
import { scriptsEditor } from '../request/scripts-editor.ts'
import { variablesSource } from '../request/request-sources.ts'
import { itemOf } from '../model/collection-reads.ts'
import { historyView } from './history-view.ts'
import { whereCollectionVariablesGo } from '../model/mode-copy.ts'

export const SETTINGS_TABS = ['description', 'auth', 'variables', 'scripts', 'history'] as const
export type SettingsTab = (typeof SETTINGS_TABS)[number]
const LABELS: Record<SettingsTab, string> = { description: 'Description', auth: 'Auth', variables: 'Variables', scripts: 'Scripts', history: 'History' }

/** `folderId` null: the collection's own settings. */
export function settingsView(scope: Scope, ctx: AppContext, collectionId: string, collection: Collection, folderId: string | null, initialTab: string | null): HTMLElement {
  const folder = folderId === null ? undefined : itemOf(collection, folderId)
  if (folderId !== null && folder?.kind !== 'folder') {
    return h('div', { class: 'empty', style: 'height:100%' }, icon('folder', 40), h('h2', {}, 'This folder no longer exists'), h('p', {}, 'It may have been deleted on another device.'))
  }
  const writable = collection.writable()
  const collectionName = () => ctx.workspace.index.collections().find((c) => c.id === collectionId)?.name ?? 'Collection'
  const title = h('h1', { 'data-testid': 'settings-title' })
  const crumbs = h('div', { class: 'crumbs' })

  const description = h('textarea', {
    class: 'textarea', rows: '10', readonly: !writable, spellcheck: 'true', 'aria-label': 'Description', 'data-testid': 'settings-description',
    placeholder: folderId === null ? 'What this collection is for (Markdown).' : 'What this folder holds (Markdown).',
  })
  const descriptionText = () => (folderId === null ? collection.description : collection.text(folderId, 'description'))
  if (writable) scope.add(bindTextOnFocus(description, () => (collection.writable() ? descriptionText() : undefined)))

  const variablesHint = folderId === null
    ? `Requests of this collection use these as {{name}}. The active environment overrides them, and they override the globals. ${whereCollectionVariablesGo(ctx.session)}`
    : 'Kept with the folder and exported with the collection. When sending, Ferry uses the collection’s variables, not a folder’s.'
  const panes: Record<SettingsTab, HTMLElement> = {
    description: h('div', { style: 'display:grid;gap:8px' }, description),
    auth: h('div', { style: 'display:grid;gap:10px' },
      h('p', { class: 'hint' }, folderId === null ? 'Requests and folders set to "Inherit from parent" use this auth.' : 'Requests in this folder set to "Inherit from parent" use this auth.'),
      authEditor(scope, collection, collectionId, folderId)),
    variables: h('div', { style: 'display:grid;gap:10px' },
      h('p', { class: 'hint' }, variablesHint),
      kvTable(scope, variablesSource(collection, folderId), { label: 'Variables', keyPlaceholder: 'Add variable' })),
    scripts: scriptsEditor(scope, collection, folderId),
    // Versions are kept per collection: a folder's History restores within the collection's.
    history: historyView(scope, ctx.session, collection, ctx.session.versions(collectionId)),
  }

  let tab: SettingsTab = SETTINGS_TABS.find((t) => t === initialTab) ?? 'description'
  const tabButtons = SETTINGS_TABS.map((t) => h('button', { type: 'button', role: 'tab', class: 'tab', id: `settings-tab-${t}`, 'data-testid': `settings-tab-${t}`, onclick: () => ((tab = t), paintTabs()) }, LABELS[t]))
  const paneBox = h('div', { class: 'panel-body', role: 'tabpanel' })
  const paintTabs = () => {
    SETTINGS_TABS.forEach((t, i) => tabButtons[i]!.setAttribute('aria-selected', String(t === tab)))
    paneBox.setAttribute('aria-labelledby', `settings-tab-${tab}`)
    if (paneBox.firstChild !== panes[tab]) paneBox.replaceChildren(panes[tab])
  }
  paintTabs()

  const update = () => {
    const node = folderId === null ? undefined : itemOf(collection, folderId)
    const name = node ? node.name || 'Untitled folder' : collectionName()
    title.textContent = name
    syncValue(description, folderId === null ? collection.description.toString() : (node?.description ?? ''))
    const path: string[] = []
    for (let parent = node?.parentId ?? null, depth = 0; parent !== null && depth < 64; depth++) {
      const up = itemOf(collection, parent)
      if (!up) break
      path.unshift(up.name)
      parent = up.parentId
    }
    replaceChildren(crumbs, icon('box', 14), collectionName(), ...(node ? [...path, node.name] : []).flatMap((f) => [h('span', {}, '/'), f]), h('span', {}, '/'), 'Settings')
  }
  update()
  scope.add(collection.observe(update))
  scope.add(ctx.workspace.index.observe(update))

  return h('div', { class: 'request settings', 'data-testid': 'settings-view' },
    h('div', { style: 'display:grid;gap:8px' }, crumbs, writable ? null : newerSchemaNotice(),
      h('div', { class: 'field-row', style: 'gap:10px' }, icon(folderId === null ? 'box' : 'folder', 20), title)),
    h('section', { class: 'panel', 'aria-label': folderId === null ? 'Collection settings' : 'Folder settings' },
      h('div', { class: 'panel-tabs', role: 'tablist', 'aria-label': 'Settings' }, tabButtons), paneBox))
}

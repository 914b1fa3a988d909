/**
 * A collection's History tab: its versions on the relay, newest first (when, which sessions
 * wrote, what changed), naming one or the current state, and for a chosen version what changed
 * since it (per request: which fields) with a restore of the whole collection or of one item.
 * A restore is a new edit in this device's copy, which syncs like any other (when sync is on).
 */
import type { CollectionVersions, VersionInfo } from '@ferry/client'
import type { CollectionDiff } from '@ferry/schema'
import { h, region, replaceChildren, type Scope } from '../ui/dom.ts'
import { confirmAction, promptText, toast } from '../ui/dialogs.ts'
import { formatWhen } from '../lib/format.ts'
import { isRelayAnswer, relaySentence } from '../lib/relay-errors.ts'
import type { Collection } from '../model/types.ts'
import { whereARestoreGoes } from '../model/mode-copy.ts'
import type { AppSession } from '../model/session.ts'

const FIELD_LABELS: Readonly<Record<string, string>> = {
  bodyMode: 'body type', bodyRaw: 'body', bodyLanguage: 'body language', bodyFields: 'form fields', pathVariables: 'path variables', kept: 'other fields',
}
const field = (name: string): string => FIELD_LABELS[name] ?? name

function sentence(error: unknown): string {
  return isRelayAnswer(error) ? relaySentence(error) : error instanceof Error ? error.message : String(error)
}

function summaryText({ summary }: VersionInfo): string {
  const parts = [summary.added && `${summary.added} added`, summary.removed && `${summary.removed} removed`, summary.changed && `${summary.changed} changed`].filter(Boolean)
  return parts.length > 0 ? parts.join(', ') : 'no item changes'
}

/** The History tab of `collection`; `versions` is null without a signed-in account (history lives on the relay). */
export function historyView(scope: Scope, session: AppSession, collection: Collection, versions: CollectionVersions | null): HTMLElement {
  if (!versions) return h('p', { class: 'hint' }, 'Version history is kept by the relay: sign in to an account to see it.')
  let listed: VersionInfo[] | null = null
  let failure: string | null = null
  let chosen: number | null = null
  const listBox = h('div', { 'data-testid': 'history-versions', style: 'display:grid;gap:6px' })
  const detail = h('div', { 'data-testid': 'history-detail', style: 'display:grid;gap:8px' })

  const load = async () => {
    try {
      listed = (await versions.list()).reverse()
      failure = null
    } catch (error) {
      failure = sentence(error)
    }
    repaint()
  }
  const act = (run: () => Promise<unknown>, done: string) => () =>
    run().then(() => (toast(done), load()), (error: unknown) => toast(sentence(error), 'error'))

  const repaint = region(scope, listBox, () => {
    if (failure) return h('p', { class: 'hint', role: 'alert' }, failure)
    if (!listed) return h('p', { class: 'hint' }, 'Loading versions…')
    if (listed.length === 0) return h('p', { class: 'hint' }, 'No versions yet: the relay keeps one every few minutes while the collection is edited.')
    return listed.map((version) =>
      h('div', { class: 'field-row', style: 'gap:8px;align-items:center', 'data-testid': 'history-version', 'data-version': String(version.id) },
        h('button', { type: 'button', class: `btn${chosen === version.id ? ' btn-primary' : ''}`, onclick: () => void choose(version.id) },
          version.name ? `“${version.name}”` : formatWhen(version.at)),
        h('span', { class: 'hint' }, `${version.name ? `${formatWhen(version.at)} · ` : ''}${summaryText(version)} · ${version.devices.length === 1 ? '1 session' : `${version.devices.length} sessions`}`),
        h('button', { type: 'button', class: 'btn btn-ghost', 'data-testid': 'history-name', onclick: () => void nameVersion(version) }, version.name ? 'Rename' : 'Name')),
    )
  })

  const nameVersion = async (version: VersionInfo) => {
    const name = await promptText('Name this version', 'Name (named versions never expire)', version.name ?? '')
    if (name !== null) await act(() => versions.rename(version.id, name.trim() === '' ? null : name.trim()), 'Version named.')()
  }
  const nameCurrent = async () => {
    const name = await promptText('Name the current state', 'Name (named versions never expire)', '', 'Save version')
    if (name && name.trim() !== '') await act(() => versions.takeNamed(name.trim()), 'Version saved.')()
  }

  const choose = async (id: number) => {
    chosen = id
    repaint()
    replaceChildren(detail, h('p', { class: 'hint' }, 'Comparing…'))
    let diff: CollectionDiff
    try {
      diff = await versions.diffToLive(id, collection.doc)
    } catch (error) {
      replaceChildren(detail, h('p', { class: 'hint', role: 'alert' }, sentence(error)))
      return
    }
    const restore = (itemId?: string) => () => void restoreTo(itemId)
    const restoreTo = async (itemId?: string) => {
      const what = itemId === undefined ? 'the whole collection' : 'this item'
      if (!(await confirmAction('Restore', `Restore ${what} to this version? It is a new edit: ${whereARestoreGoes(session)}, and it can itself be undone from History.`, 'Restore', false))) return
      try {
        await versions.restore(id, collection.doc, itemId)
        toast('Restored.')
        await choose(id)
      } catch (error) {
        toast(sentence(error), 'error')
      }
    }
    const changes = diff.items.map((item) =>
      h('li', { 'data-testid': 'history-change', 'data-item': item.id },
        h('strong', {}, item.name || (item.kind === 'folder' ? 'Untitled folder' : 'Untitled request')), ' ',
        item.change === 'changed' ? `changed: ${item.fields.map(field).join(', ')}` : item.change === 'added' ? 'added since' : 'removed since', ' ',
        h('button', { type: 'button', class: 'btn btn-ghost', 'data-testid': 'history-restore-item', onclick: restore(item.id) }, item.change === 'added' ? 'Remove' : 'Restore')),
    )
    replaceChildren(detail,
      h('h3', {}, 'Changes since this version'),
      diff.collection.length > 0 ? h('p', {}, `Collection ${diff.collection.map(field).join(', ')} changed.`) : null,
      changes.length > 0 ? h('ul', {}, changes) : diff.collection.length === 0 ? h('p', { class: 'hint' }, 'Nothing changed since.') : null,
      h('div', { class: 'field-row', style: 'gap:8px' },
        h('button', { type: 'button', class: 'btn', 'data-testid': 'history-restore-all', disabled: !collection.writable(), onclick: restore() }, 'Restore whole collection')))
  }

  void load()
  return h('div', { style: 'display:grid;gap:12px', 'data-testid': 'history-view' },
    h('div', { class: 'field-row', style: 'gap:8px' },
      h('button', { type: 'button', class: 'btn', 'data-testid': 'history-take', onclick: () => void nameCurrent() }, 'Name current state'),
      h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => void load() }, 'Refresh')),
    listBox, detail)
}

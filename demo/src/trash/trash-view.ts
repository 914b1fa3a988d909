/**
 * The Trash (`#/trash`): the collections and environments deleted on any device of the
 * account, with when and by which device, and when they go for good; Restore brings one back
 * with every edit made meanwhile, Delete forever and Empty trash delete for good (asked first).
 * The retention is an account setting chosen here.
 */
import type { TrashEntry } from '@ferry/client'
import { h, region, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { confirmAction, toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import { formatWhen } from '../lib/format.ts'
import { whatRestoreKeeps, whereChangesGo } from '../model/mode-copy.ts'
import type { AppContext } from '../app-context.ts'
import type { Environments } from '../model/types.ts'

/** Retention choices, in days (a value set elsewhere is offered too). */
const RETENTION_DAYS = [7, 30, 90, 365]

const longDate = (epochMs: number): string => new Date(epochMs).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })

function retentionPicker(ctx: AppContext): HTMLElement {
  const days = ctx.workspace.index.settings().trashRetentionDays
  const choices = RETENTION_DAYS.includes(days) ? RETENTION_DAYS : [...RETENTION_DAYS, days].sort((a, b) => a - b)
  const select = h('select', {
    class: 'input', 'aria-label': 'Keep deleted items for', 'data-testid': 'trash-retention', style: 'width:auto', disabled: !ctx.workspace.index.writable(),
    onchange: () => ctx.workspace.index.setSetting('trashRetentionDays', Number(select.value)),
  }, choices.map((d) => h('option', { value: String(d), selected: d === days }, d === 1 ? '1 day' : `${d} days`)))
  return h('label', { class: 'field-row', style: 'gap:8px;align-items:center' }, 'Keep deleted items for', select)
}

export function trashView(scope: Scope, ctx: AppContext, environments: Environments): HTMLElement {
  let entries: TrashEntry[] | null = null
  const run = (action: () => Promise<unknown> | unknown, done?: string) => {
    Promise.resolve().then(action).then(() => {
      // Deleting for good while offline changes no doc (it waits for the relay): list again.
      load()
      if (done) toast(done)
    }, (error: unknown) => toast(describeError(error), 'error'))
  }
  const restore = (entry: TrashEntry) =>
    run(() => (entry.kind === 'collection' ? ctx.workspace.restoreCollection(entry.id) : ctx.workspace.restoreEnvironment(entry.id)), `Restored “${entry.name}”.`)
  const deleteForever = async (entry: TrashEntry) => {
    const ok = await confirmAction(`Delete ${entry.kind} forever?`, `This deletes “${entry.name}” for good ${whereChangesGo(ctx.session)}. It cannot be restored.`, 'Delete forever')
    if (ok) run(() => (entry.kind === 'collection' ? ctx.workspace.deleteCollectionForever(entry.id) : environments.remove(entry.id)))
  }
  const empty = async () => {
    const ok = await confirmAction('Empty the trash?', `This deletes everything in the trash for good ${whereChangesGo(ctx.session)}. It cannot be restored.`, 'Empty trash')
    if (ok) run(() => ctx.workspace.emptyTrash(), 'The trash is empty.')
  }

  const row = (entry: TrashEntry) =>
    h('li', { class: 'list-row', style: 'gap:10px', 'data-testid': 'trash-entry', 'data-kind': entry.kind, 'data-name': entry.name },
      icon(entry.kind === 'collection' ? 'box' : 'layers', 16),
      h('div', { class: 'grow', style: 'display:grid;gap:2px' },
        h('strong', {}, entry.name || 'Untitled'),
        h('span', { class: 'hint', 'data-testid': 'trash-when' },
          `${entry.kind === 'collection' ? 'Collection' : 'Environment'} · deleted ${formatWhen(entry.trashedAt)}${entry.trashedBy ? ` on ${entry.trashedBy}` : ''} · deleted for good on ${longDate(entry.expiresAt)}`)),
      h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'trash-restore', onclick: () => restore(entry) }, icon('refresh', 14), 'Restore'),
      h('button', { type: 'button', class: 'btn btn-sm btn-danger', 'data-testid': 'trash-delete', onclick: () => void deleteForever(entry) }, icon('trash', 14), 'Delete forever'))

  const emptyButton = h('button', { type: 'button', class: 'btn btn-sm btn-danger', 'data-testid': 'trash-empty', disabled: true, onclick: () => void empty() }, icon('trash', 14), 'Empty trash')
  const box = h('div', { 'data-testid': 'trash-list' })
  const repaint = region(scope, box, () => {
    if (entries === null) return h('p', { class: 'hint' }, 'Loading…')
    if (entries.length === 0) return h('div', { class: 'empty' }, icon('trash', 40), h('h2', {}, 'The trash is empty'), h('p', {}, 'Deleted collections and environments wait here before they are deleted for good.'))
    return h('ul', { class: 'list' }, entries.map(row))
  })
  // Lists asked for one after another may answer out of order (each waits on storage): only
  // the latest is shown, or a list read before the index synced could stay on screen.
  let asked = 0
  const load = () => {
    const ask = ++asked
    ctx.workspace.trash().then((listed) => {
      if (ask !== asked) return
      entries = listed
      emptyButton.disabled = listed.length === 0
      if (!scope.disposed) repaint()
    }, (error: unknown) => toast(describeError(error), 'error'))
  }
  load()
  // What another device trashes or restores shows up here too.
  scope.add(ctx.workspace.index.observe(load))
  scope.add(environments.observe(load))

  const about = h('div', { style: 'display:grid;gap:12px;margin-bottom:12px' })
  region(scope, about, () => {
    const days = ctx.workspace.index.settings().trashRetentionDays
    return [
      h('p', { class: 'hint' },
        `Deleted collections and environments stay here for ${days === 1 ? '1 day' : `${days} days`}, then they are deleted for good ${whereChangesGo(ctx.session)}. ${whatRestoreKeeps(ctx.session)}`),
      retentionPicker(ctx),
    ]
  }, (changed) => ctx.workspace.index.observe(changed))
  return h('div', { style: 'max-width:960px', 'data-testid': 'trash-view' },
    h('div', { class: 'pane-title' }, h('h1', { class: 'grow' }, 'Trash'),
      emptyButton),
    about,
    h('section', { class: 'panel' }, h('div', { class: 'panel-body' }, box)))
}

/**
 * One history entry: the request as it was sent and what came back. "Open request" goes to
 * the saved request it was sent from; when that is gone, "Save to a collection" recreates it.
 */
import { WorkspaceClosed } from '@ferry/client'
import { h, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { openDialog, toast } from '../ui/dialogs.ts'
import { field } from '../ui/form.ts'
import { href, navigate } from '../ui/router.ts'
import { formatBytes, formatDuration, statusClass } from '../lib/format.ts'
import { paramsFromUrl } from '../lib/url-params.ts'
import type { AppContext } from '../app-context.ts'
import type { History, HistoryEntry } from '../model/types.ts'

const SENT_VIA: Readonly<Record<NonNullable<HistoryEntry['via']>, string>> = {
  direct: 'Sent from this page', agent: 'Sent through the Ferry agent', relay: 'Sent through the relay’s send proxy',
}

async function saveToCollection(ctx: AppContext, entry: HistoryEntry): Promise<void> {
  const collections = ctx.workspace.index.collections()
  if (collections.length === 0) return toast('Create a collection first.')
  const chosen = await openDialog<string>('Save to a collection', (close) => {
    const select = h('select', { class: 'select' }, collections.map((c) => h('option', { value: c.id }, c.name)))
    return h('form', { onsubmit: (e: SubmitEvent) => (e.preventDefault(), close(select.value)) },
      field('Collection', select),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save')))
  })
  if (!chosen) return
  const { method, url, headers, body } = entry.request
  const collection = await ctx.workspace.collection(chosen)
  const id = collection.add({
    kind: 'request', name: `${method} ${url}`.slice(0, 120), method, url, params: paramsFromUrl(url),
    headers: headers.map((hd) => ({ ...hd, enabled: true })),
    body: body ? { mode: 'raw', raw: body, language: /^\s*[[{]/.test(body) ? 'json' : 'text' } : { mode: 'none' },
  })
  ctx.expanded.set(chosen, true)
  navigate(['r', chosen, id])
}

export function historyDetail(scope: Scope, ctx: AppContext, history: History, entryId: string): HTMLElement {
  const entry = history.entries().find((e) => e.id === entryId)
  if (!entry) {
    return h('div', { class: 'empty', style: 'height:100%' }, icon('clock', 40), h('h2', {}, 'This history entry is gone'), h('p', {}, 'History may have been cleared on another device.'))
  }
  const { method, url, headers, body } = entry.request
  const action = h('span')
  const offerSave = () => action.replaceChildren(h('button', { type: 'button', class: 'btn btn-primary', onclick: () => void saveToCollection(ctx, entry) }, icon('plus', 16), 'Save to a collection'))
  const source = entry.source
  if (source) {
    void ctx.workspace.collection(source.collectionId).then((c) => {
      if (scope.disposed) return
      const exists = ctx.workspace.index.collections().some((x) => x.id === source.collectionId) && c.get(source.requestId)?.kind === 'request'
      if (!exists) return offerSave()
      action.replaceChildren(h('a', { class: 'btn btn-primary', href: href(['r', source.collectionId, source.requestId]), 'data-testid': 'open-from-history' }, icon('file', 16), 'Open request'))
    }, (error: unknown) => {
      // The source collection could not be read (deleted for good, or the account switched):
      // the entry can still be saved as a new request.
      if (!(error instanceof WorkspaceClosed)) offerSave()
    })
  } else {
    offerSave()
  }
  return h('div', { style: 'max-width:900px;display:grid;gap:14px' },
    h('div', { class: 'pane-title' }, h('h1', { class: 'grow' }, 'Sent request'), action,
      h('button', { type: 'button', class: 'btn', onclick: () => void navigator.clipboard.writeText(url).then(() => toast('URL copied'), () => toast('Copying is not allowed here.', 'error')) }, icon('copy', 16), 'Copy URL')),
    h('section', { class: 'panel' }, h('div', { class: 'panel-body', style: 'display:grid;gap:14px' },
      h('div', { class: 'field-row', style: 'gap:10px;flex-wrap:wrap' }, h('span', { class: `method method-${method}`, style: 'font-size:13px' }, method),
        h('code', { style: 'word-break:break-all' }, url)),
      h('div', { class: 'field-row', style: 'gap:18px;flex-wrap:wrap;color:var(--text-2)' },
        h('span', { class: `status-pill ${statusClass(entry.status)}` }, entry.status ? String(entry.status) : 'No response'),
        h('span', {}, 'Time ', h('strong', {}, formatDuration(entry.timingMs))),
        h('span', {}, 'Size ', h('strong', {}, formatBytes(entry.responseSize))),
        h('span', {}, new Date(entry.time).toLocaleString()),
        // Entries recorded before the way was kept say nothing rather than guess.
        entry.via ? h('span', { 'data-testid': 'history-via' }, SENT_VIA[entry.via]) : null),
      headers.length
        ? h('div', {}, h('h3', { style: 'margin-bottom:6px' }, 'Headers sent'), h('table', { class: 'headers-table' }, h('tbody', {}, headers.map((hd) => h('tr', {}, h('td', {}, hd.key), h('td', {}, hd.value))))))
        : null,
      body ? h('div', {}, h('h3', { style: 'margin-bottom:6px' }, 'Body sent'), h('pre', { class: 'code-view' }, body)) : null)))
}

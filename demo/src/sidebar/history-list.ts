/** The sidebar's History tab: sent requests, newest first; click to reopen; clear all. */
import { h, region, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { confirmAction } from '../ui/dialogs.ts'
import { currentRoute, navigate } from '../ui/router.ts'
import { formatWhen, statusClass } from '../lib/format.ts'
import type { AppContext } from '../app-context.ts'
import type { HistoryEntry } from '../model/types.ts'
import { whereChangesGo } from '../model/mode-copy.ts'
import { whenLoaded } from '../ui/workspace-reads.ts'

/** Entries rendered at once; the rest load with "Show more" (history can hold thousands). */
const PAGE = 100

function dayLabel(epochMs: number): string {
  const day = new Date(epochMs)
  const today = new Date()
  const yesterday = new Date(today.getTime() - 86_400_000)
  if (day.toDateString() === today.toDateString()) return 'Today'
  if (day.toDateString() === yesterday.toDateString()) return 'Yesterday'
  return day.toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric' })
}

function entryRow(entry: HistoryEntry, selected: boolean): HTMLElement {
  const { method, url: sentUrl } = entry.request
  let path = sentUrl
  try {
    const url = new URL(sentUrl)
    path = `${url.host}${url.pathname}${url.search}`
  } catch {
    // Unparseable URLs (unresolved variables) are shown as typed.
  }
  return h('li', {}, h('a', {
    class: 'list-row', href: `#/history/${encodeURIComponent(entry.id)}`, 'aria-selected': String(selected),
    style: 'color:inherit;text-decoration:none', title: sentUrl, 'data-testid': 'history-row',
  },
  h('span', { class: `method method-${method}`, style: 'width:44px;text-align:right' }, method),
  h('span', { class: 'grow mono', style: 'font-size:12px' }, path),
  h('span', { class: `status-pill ${statusClass(entry.status)}`, style: 'height:18px;font-size:10.5px;padding:0 6px' }, entry.status ? String(entry.status) : 'ERR'),
  h('span', { class: 'hint', style: 'font-size:11px;white-space:nowrap' }, formatWhen(entry.time))))
}

export function historyList(scope: Scope, ctx: AppContext): HTMLElement {
  const box = h('div', {}, h('p', { class: 'hint', style: 'padding:8px' }, 'Loading…'))
  let shown = PAGE
  whenLoaded(ctx.workspace.history(), (history) => {
    if (scope.disposed) return
    region(scope, box, () => {
      const entries = history.entries().reverse()
      const route = currentRoute()
      const selected = route.parts[0] === 'history' ? route.parts[1] : null
      if (entries.length === 0) {
        return h('div', { class: 'empty' }, icon('clock', 40), h('h2', {}, 'No history yet'), h('p', {}, 'Requests you send appear here, newest first.'))
      }
      const groups: { label: string; rows: HTMLElement[] }[] = []
      for (const entry of entries.slice(0, shown)) {
        const label = dayLabel(entry.time)
        if (groups[groups.length - 1]?.label !== label) groups.push({ label, rows: [] })
        groups[groups.length - 1]!.rows.push(entryRow(entry, entry.id === selected))
      }
      return [
        h('div', { class: 'sidebar-tools', style: 'padding:8px 2px' },
          h('span', { class: 'hint', style: 'flex:1' }, `${entries.length} request${entries.length === 1 ? '' : 's'}`),
          h('button', { type: 'button', class: 'btn btn-sm btn-ghost', 'data-testid': 'clear-history', onclick: () => {
            void confirmAction('Clear history?', `This removes every entry from your history ${whereChangesGo(ctx.session)}.`, 'Clear history').then((ok) => {
              if (!ok) return
              history.clear()
              if (currentRoute().parts[0] === 'history') navigate([])
            })
          } }, icon('trash', 15), 'Clear')),
        groups.map((g) => [h('div', { class: 'list-group' }, h('h3', {}, g.label)), h('ul', { class: 'list' }, g.rows)]),
        entries.length > shown
          ? h('button', { type: 'button', class: 'btn btn-sm btn-block', style: 'margin-top:8px', onclick: () => {
              shown += PAGE
              box.dispatchEvent(new Event('more'))
            } }, `Show more (${entries.length - shown} older)`)
          : null,
      ]
    }, (changed) => {
      const off = history.observe(changed)
      box.addEventListener('more', changed)
      window.addEventListener('hashchange', changed)
      return () => (off(), box.removeEventListener('more', changed), window.removeEventListener('hashchange', changed))
    })
  })
  return box
}

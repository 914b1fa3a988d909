/** The response panel: status, time and size, then the body (pretty-printed JSON) or the headers. */
import { h, replaceChildren } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { formatBytes, formatDuration, prettyBody, statusClass } from '../lib/format.ts'
import type { SendResult } from '../lib/send.ts'

/** Last response per request id, kept while the page is open (responses are not synced). */
export const lastResponses = new Map<string, SendResult>()

export function responseView(): { el: HTMLElement; show: (result: SendResult | null, sending?: boolean) => void } {
  let tab: 'body' | 'headers' = 'body'
  let current: SendResult | null = null
  const meta = h('div', { class: 'response-meta', 'aria-live': 'polite', 'data-testid': 'response-meta' })
  const bodyTab = h('button', { type: 'button', role: 'tab', class: 'tab', onclick: () => ((tab = 'body'), paint()) }, 'Body')
  const headersTab = h('button', { type: 'button', role: 'tab', class: 'tab', onclick: () => ((tab = 'headers'), paint()) }, 'Headers')
  const content = h('div', { class: 'panel-body', role: 'tabpanel', 'data-testid': 'response-body' })
  const el = h('section', { class: 'panel response', 'aria-label': 'Response' },
    h('div', { class: 'panel-tabs', role: 'tablist', 'aria-label': 'Response' }, h('h2', { class: 'panel-heading' }, 'Response'), bodyTab, headersTab, meta),
    content)

  function paint(sending = false): void {
    bodyTab.setAttribute('aria-selected', String(tab === 'body'))
    headersTab.setAttribute('aria-selected', String(tab === 'headers'))
    if (sending) {
      meta.replaceChildren('Sending…')
      replaceChildren(content, h('div', { class: 'empty' }, icon('send', 36), h('p', {}, 'Waiting for the response…')))
      return
    }
    const r = current
    if (!r) {
      meta.replaceChildren()
      replaceChildren(content, h('div', { class: 'empty' }, icon('send', 40), h('h2', {}, 'Send the request to see the response'),
        h('p', {}, 'Press ', h('kbd', {}, 'Ctrl'), ' + ', h('kbd', {}, 'Enter'), ' or click Send.')))
      return
    }
    headersTab.textContent = `Headers (${r.headers.length})`
    meta.replaceChildren(
      h('span', { class: `status-pill ${statusClass(r.status)}`, 'data-testid': 'response-status' }, r.status ? `${r.status} ${r.statusText}`.trim() : 'Failed'),
      h('span', {}, 'Time ', h('strong', { 'data-testid': 'response-time' }, formatDuration(r.durationMs))),
      h('span', {}, 'Size ', h('strong', { 'data-testid': 'response-size' }, formatBytes(r.sizeBytes))),
    )
    if (r.error) {
      replaceChildren(content, h('div', { class: 'alert', role: 'alert' }, icon('alert'), h('span', {}, r.error)))
    } else if (tab === 'headers') {
      replaceChildren(content, h('table', { class: 'headers-table' }, h('tbody', {}, r.headers.map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, v))))))
    } else {
      replaceChildren(content, r.body ? h('pre', { class: 'code-view' }, prettyBody(r.body, r.contentType)) : h('p', { class: 'hint' }, 'The response has no body.'))
    }
  }
  paint()
  return {
    el,
    show(result, sending = false) {
      current = result
      paint(sending)
    },
  }
}

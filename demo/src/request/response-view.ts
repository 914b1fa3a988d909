/**
 * The response panel: status, time, size and which way the request went (page, agent, relay),
 * then the body (pretty-printed JSON, or a download for binary bodies) with the redirect chain
 * above it, or the headers and cookies. Fills in while a response streams in.
 */
import { h, replaceChildren } from '../ui/dom.ts'
import { withCode } from '../ui/code-spans.ts'
import { icon } from '../ui/icons.ts'
import { formatBytes, formatDuration, prettyBody, statusClass } from '../lib/format.ts'
import type { SendResult } from '../lib/send.ts'
import { MAX_SHOWN_BODY_CHARS } from '../send/received.ts'
import { openSendSettings } from '../send/send-settings-dialog.ts'

/** Last response per request id, kept while the page is open (responses are not synced). */
export const lastResponses = new Map<string, SendResult>()

const VIA_LABELS = { direct: 'from this page', agent: 'via Ferry agent', relay: 'via relay' } as const
/** Repaints of a streaming body at most this often, ms. */
const STREAM_PAINT_MS = 250
/** Characters of a body shown while it streams in: laying out megabytes on every repaint would stall the page. */
const STREAMING_PREVIEW_CHARS = 64 * 1024

/** A file name for the download: the last path segment of the URL that answered, else "response". */
function fileName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? '') || 'response'
  } catch {
    return 'response'
  }
}

function downloadButton(r: SendResult): HTMLElement | null {
  if (!r.blob) return null
  const blob = r.blob
  return h('button', {
    type: 'button', class: 'btn btn-sm', 'data-testid': 'response-download',
    onclick: () => {
      const link = h('a', { href: URL.createObjectURL(blob), download: fileName(r.finalUrl) })
      link.click()
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000)
    },
  }, icon('download', 14), 'Download')
}

function redirectChain(r: SendResult): HTMLElement | null {
  if (r.redirects.length === 0) return null
  return h('ol', { class: 'hint', style: 'margin:0 0 10px;padding-left:18px;display:grid;gap:2px', 'data-testid': 'response-redirects', 'aria-label': 'Redirects' },
    r.redirects.map((hop) => h('li', {}, hop.status ? `${hop.status} ` : 'Redirected: ', h('code', {}, hop.url), ' → ', h('code', {}, hop.location))),
    h('li', {}, 'Answered by ', h('code', {}, r.finalUrl)))
}

function bodyPane(r: SendResult): HTMLElement[] {
  const parts: (HTMLElement | null)[] = [redirectChain(r)]
  if (r.binary) {
    parts.push(h('div', { class: 'empty', 'data-testid': 'response-binary' }, icon('file', 36),
      h('p', {}, `Binary response, ${formatBytes(r.sizeBytes)}${r.contentType ? ` (${r.contentType})` : ''}.`),
      r.receiving ? h('p', { class: 'hint' }, 'Receiving…') : downloadButton(r)))
  } else if (r.body) {
    const cut = r.sizeBytes > r.body.length && r.body.length >= MAX_SHOWN_BODY_CHARS
    if (cut) parts.push(h('p', { class: 'hint' }, `Showing the first ${formatBytes(MAX_SHOWN_BODY_CHARS)} of ${formatBytes(r.sizeBytes)}. `, downloadButton(r)))
    // A streaming body is shown as it came; pretty-printing waits for the whole of it.
    parts.push(h('pre', { class: 'code-view' }, r.receiving ? r.body.slice(0, STREAMING_PREVIEW_CHARS) : prettyBody(r.body, r.contentType)))
    if (!cut && !r.receiving) parts.push(h('div', { class: 'kv-footer' }, downloadButton(r)))
  } else {
    parts.push(h('p', { class: 'hint' }, r.receiving ? 'Receiving…' : 'The response has no body.'))
  }
  return parts.filter((p): p is HTMLElement => p !== null)
}

function headersPane(r: SendResult): HTMLElement[] {
  const rows = (pairs: readonly (readonly [string, string])[]) => h('tbody', {}, pairs.map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, v))))
  const parts: HTMLElement[] = [h('table', { class: 'headers-table' }, rows(r.headers))]
  if (r.cookies.length > 0) {
    parts.push(h('h3', { class: 'panel-heading', style: 'margin:14px 0 6px' }, 'Cookies set during this send'),
      h('table', { class: 'headers-table', 'data-testid': 'response-cookies' }, rows(r.cookies.map((c) => [c.name, `${c.value}  (${c.domain}${c.path})`]))))
  }
  return parts
}

export function responseView(): { el: HTMLElement; show: (result: SendResult | null, sending?: boolean) => void } {
  let tab: 'body' | 'headers' = 'body'
  let current: SendResult | null = null
  let lastPaint = 0
  let trailing: ReturnType<typeof setTimeout> | undefined
  const meta = h('div', { class: 'response-meta', 'aria-live': 'polite', 'data-testid': 'response-meta' })
  const bodyTab = h('button', { type: 'button', role: 'tab', class: 'tab', onclick: () => ((tab = 'body'), paint()) }, 'Body')
  const headersTab = h('button', { type: 'button', role: 'tab', class: 'tab', onclick: () => ((tab = 'headers'), paint()) }, 'Headers')
  const settings = h('button', { type: 'button', class: 'btn btn-sm btn-ghost', title: 'Send settings', 'aria-label': 'Send settings', 'data-testid': 'send-settings', onclick: openSendSettings }, icon('settings', 14))
  const content = h('div', { class: 'panel-body', role: 'tabpanel', 'data-testid': 'response-body' })
  const el = h('section', { class: 'panel response', 'aria-label': 'Response' },
    h('div', { class: 'panel-tabs', role: 'tablist', 'aria-label': 'Response' }, h('h2', { class: 'panel-heading' }, 'Response'), bodyTab, headersTab, meta, settings),
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
    replaceChildren(meta,
      h('span', { class: `status-pill ${statusClass(r.status)}`, 'data-testid': 'response-status' }, r.status ? `${r.status} ${r.statusText}`.trim() : 'Failed'),
      r.receiving ? h('span', {}, 'Receiving…') : h('span', {}, 'Time ', h('strong', { 'data-testid': 'response-time' }, formatDuration(r.durationMs))),
      h('span', {}, 'Size ', h('strong', { 'data-testid': 'response-size' }, formatBytes(r.sizeBytes))),
      r.via ? h('span', { class: 'hint', 'data-testid': 'response-via' }, VIA_LABELS[r.via]) : null,
    )
    const failure = r.error
      ? h('div', { class: 'alert', role: 'alert', 'data-testid': 'response-error' }, icon('alert'), h('span', {}, withCode(r.error)),
        r.status === 0 && !r.via ? h('button', { type: 'button', class: 'btn btn-sm', onclick: openSendSettings }, 'Send settings') : null)
      : null
    if (r.status === 0) replaceChildren(content, failure)
    else replaceChildren(content, failure, ...(tab === 'headers' ? headersPane(r) : bodyPane(r)))
  }
  paint()
  return {
    el,
    show(result, sending = false) {
      current = result
      clearTimeout(trailing)
      // While streaming, at most one paint per STREAM_PAINT_MS, the latest state painted last.
      const wait = result?.receiving ? lastPaint + STREAM_PAINT_MS - performance.now() : 0
      const repaint = () => {
        lastPaint = performance.now()
        paint(sending)
      }
      if (wait > 0) trailing = setTimeout(repaint, wait)
      else repaint()
    },
  }
}

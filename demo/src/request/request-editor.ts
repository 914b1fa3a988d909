/**
 * The request editor: name, method, URL, Send; tabs for params (and path variables), headers,
 * body, auth, scripts and saved examples; the response below. Every field writes to the collection's document as the user types, and
 * remote edits update the fields in place.
 */
import { h, replaceChildren, syncValue, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { kvTable } from '../ui/kv-table.ts'
import { toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import type { AppContext } from '../app-context.ts'
import { METHODS, type Collection, type RequestNode } from '../model/types.ts'
import { buildFetch, describeSent, sendRequest } from '../lib/send.ts'
import { unresolvedNames } from '../lib/variables.ts'
import { authEditor, notSentSentence } from './auth-editor.ts'
import { bodyEditor } from './body-editor.ts'
import { effectiveAuth } from './effective.ts'
import { headerPresetsMenu, HEADER_NAMES } from './header-presets.ts'
import { listSource, paramsFromRequestUrl, paramsSource } from './request-sources.ts'
import { scriptsEditor } from './scripts-editor.ts'
import { examplesView } from './examples-view.ts'
import { lastResponses, responseView } from './response-view.ts'
import { bindTextOnFocus } from '../ui/text-binding.ts'
import { variableField } from '../ui/variable-field.ts'
import { conflictNotices, newerSchemaNotice } from '../ui/conflict-notices.ts'
import { requestConflicts } from '../model/collection-conflicts.ts'
import { itemOf } from '../model/collection-reads.ts'

type Tab = 'params' | 'headers' | 'body' | 'auth' | 'scripts' | 'examples'

/** Request body kept in history, characters; history syncs to every device, so keep it small. */
const MAX_HISTORY_BODY_CHARS = 64 * 1024

function requestNode(collection: Collection, id: string): RequestNode | null {
  const node = itemOf(collection, id)
  return node?.kind === 'request' ? node : null
}

export function requestEditor(scope: Scope, ctx: AppContext, collectionId: string, collection: Collection, requestId: string): HTMLElement {
  const initial = requestNode(collection, requestId)
  if (!initial) {
    return h('div', { class: 'empty', style: 'height:100%' }, icon('file', 40), h('h2', {}, 'This request no longer exists'), h('p', {}, 'It may have been deleted on another device.'))
  }
  const collectionName = () => ctx.workspace.index.collections().find((c) => c.id === collectionId)?.name ?? 'Collection'

  // A doc a newer Ferry wrote is shown, not edited: its fields are read-only and unbound.
  const writable = collection.writable()
  const name = h('input', { class: 'title-input', value: initial.name, readonly: !writable, 'aria-label': 'Request name', 'data-testid': 'request-name' })
  const known = (METHODS as readonly string[]).includes(initial.method) ? METHODS : [...METHODS, initial.method]
  const method = h('select', { 'aria-label': 'Method', 'data-testid': 'method', class: `method-${initial.method}`, disabled: !writable }, known.map((m) => h('option', { value: m }, m)))
  method.value = initial.method
  method.addEventListener('change', () => collection.update(requestId, { method: method.value }))
  const url = h('input', { class: 'url-input', value: initial.url, readonly: !writable, placeholder: 'https://api.example.com/items?limit=10', 'aria-label': 'URL', spellcheck: 'false', autocomplete: 'off', 'data-testid': 'url' })
  // Bound when focused (a v1 field is seeded only when someone edits it); until then `update` shows the stored value.
  if (writable) {
    scope.add(bindTextOnFocus(name, () => (collection.writable() ? collection.text(requestId, 'name') : undefined)))
    scope.add(bindTextOnFocus(url, () => (collection.writable() ? collection.text(requestId, 'url') : undefined), { afterLocalEdit: () => paramsFromRequestUrl(collection, requestId) }))
  }
  const send = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'send' }, icon('send', 16), 'Send')
  const crumbs = h('div', { class: 'crumbs' })

  const response = responseView()
  response.show(lastResponses.get(requestId) ?? null)

  const doSend = async () => {
    const node = requestNode(collection, requestId)
    if (!node || send.disabled) return
    send.disabled = true
    response.show(null, true)
    try {
      const values = await ctx.session.variableValues()
      // The collection's variables sit between the globals and the active environment, as in Postman.
      const own = new Map(collection.kept().variables.filter((v) => v.enabled && v.key).map((v) => [v.key, v.value]))
      const vars = await values.active(true, own)
      const missing = unresolvedNames(node.url, vars)
      if (missing.length > 0) toast(`Not defined in the collection, the active environment or globals: ${missing.map((n) => `{{${n}}}`).join(', ')}`)
      const auth = effectiveAuth(collection, requestId)
      if (auth.type === 'other') toast(notSentSentence(auth), 'info', 8000)
      const result = await sendRequest(node, vars, auth, {
        relay: ctx.session.relaySender(),
        onProgress: (partial) => scope.disposed || response.show(partial),
      })
      lastResponses.set(requestId, result)
      if (!scope.disposed) response.show(result)
      const history = await ctx.workspace.history()
      // History is not encrypted: it records the request with secret variables left as {{name}}.
      const recorded = buildFetch(node, await values.active(false, own), auth)
      const sent = 'init' in recorded ? { url: recorded.url, ...describeSent(recorded) } : { url: node.url, sentHeaders: [], sentBody: '' }
      history.append({
        request: { method: node.method, url: sent.url, headers: [...sent.sentHeaders], body: sent.sentBody.slice(0, MAX_HISTORY_BODY_CHARS) },
        status: result.status,
        timingMs: Math.round(result.durationMs),
        responseSize: result.sizeBytes,
        time: Date.now(),
        source: { collectionId, requestId },
        ...(result.via ? { via: result.via } : {}),
      })
    } catch (error) {
      toast(describeError(error), 'error')
      response.show(lastResponses.get(requestId) ?? null)
    } finally {
      send.disabled = false
    }
  }
  const urlbar = h('form', { class: 'urlbar', onsubmit: (e: SubmitEvent) => (e.preventDefault(), void doSend()) }, h('div', { class: 'url-group' }, method, variableField(url)), send)

  let tab: Tab = 'params'
  const tabDefs: { id: Tab; label: string; count: () => number }[] = [
    { id: 'params', label: 'Params', count: () => requestNode(collection, requestId)?.params.filter((p) => p.enabled).length ?? 0 },
    { id: 'headers', label: 'Headers', count: () => requestNode(collection, requestId)?.headers.filter((p) => p.enabled).length ?? 0 },
    { id: 'body', label: 'Body', count: () => 0 },
    { id: 'auth', label: 'Auth', count: () => 0 },
    { id: 'scripts', label: 'Scripts', count: () => requestNode(collection, requestId)?.scripts.filter((s) => s.code.trim()).length ?? 0 },
    { id: 'examples', label: 'Examples', count: () => requestNode(collection, requestId)?.examples.length ?? 0 },
  ]
  const pathVariables = h('div', { style: 'margin-top:14px', 'data-testid': 'path-variables' },
    h('h3', { class: 'panel-heading', style: 'margin-bottom:6px' }, 'Path variables'),
    kvTable(scope, listSource(collection, requestId, 'pathVariables'), { label: 'Path variables', keyPlaceholder: 'Add path variable' }))
  const panes: Record<Tab, HTMLElement> = {
    params: h('div', {}, kvTable(scope, paramsSource(collection, requestId), { label: 'Query parameters', keyPlaceholder: 'Add parameter' }), pathVariables),
    headers: h('div', {}, kvTable(scope, listSource(collection, requestId, 'headers'), { label: 'Headers', keyPlaceholder: 'Add header', keySuggestions: HEADER_NAMES })),
    body: bodyEditor(scope, collection, requestId),
    auth: authEditor(scope, collection, collectionId, requestId),
    scripts: scriptsEditor(scope, collection, requestId),
    examples: examplesView(scope, collection, requestId),
  }
  if (writable) panes.headers.append(h('div', { class: 'kv-footer' }, headerPresetsMenu(ctx, collection, requestId)))
  const tabButtons = tabDefs.map((t) => h('button', { type: 'button', role: 'tab', class: 'tab', id: `req-tab-${t.id}`, 'data-testid': `req-tab-${t.id}`, onclick: () => ((tab = t.id), paintTabs()) }))
  const paneBox = h('div', { class: 'panel-body', role: 'tabpanel' })
  const paintTabs = () => {
    tabDefs.forEach((t, i) => {
      const b = tabButtons[i]!
      const count = t.count()
      replaceChildren(b, t.label, count ? h('span', { class: 'count' }, String(count)) : null)
      b.setAttribute('aria-selected', String(t.id === tab))
    })
    paneBox.setAttribute('aria-labelledby', `req-tab-${tab}`)
    if (paneBox.firstChild !== panes[tab]) paneBox.replaceChildren(panes[tab])
  }
  paintTabs()

  const update = () => {
    const node = requestNode(collection, requestId)
    if (!node) return
    // Bound inputs follow their texts by themselves (then this is a no-op); the others are refreshed here.
    syncValue(name, node.name)
    syncValue(url, node.url)
    if (![...method.options].some((o) => o.value === node.method)) method.append(h('option', { value: node.method }, node.method))
    syncValue(method, node.method)
    method.className = `method-${node.method}`
    pathVariables.hidden = node.pathVariables.length === 0
    crumbs.replaceChildren(icon('box', 14), collectionName(), ...folderPath(collection, node).flatMap((f) => [h('span', {}, '/'), f]))
    paintTabs()
  }
  update()
  scope.add(collection.observe(update))
  scope.listen(document, 'keydown', (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault()
      void doSend()
    }
  })

  const conflicts = conflictNotices(scope, {
    writable,
    list: () => requestConflicts(collection, requestId),
    resolve: (id, keep) => void collection.resolveConflict(id, keep),
    observe: (changed) => collection.observe(changed),
  })
  return h('div', { class: 'request', 'data-testid': 'request-editor' },
    h('div', { style: 'display:grid;gap:8px' }, crumbs, writable ? null : newerSchemaNotice(), conflicts, name, urlbar),
    h('section', { class: 'panel', 'aria-label': 'Request' }, h('div', { class: 'panel-tabs', role: 'tablist', 'aria-label': 'Request parts' }, tabButtons), paneBox),
    response.el)
}

function folderPath(collection: Collection, node: RequestNode): string[] {
  const names: string[] = []
  let parent = node.parentId
  for (let depth = 0; parent !== null && depth < 64; depth++) {
    const folder = itemOf(collection, parent)
    if (!folder) break
    names.unshift(folder.name)
    parent = folder.parentId
  }
  return names
}

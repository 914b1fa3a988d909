/**
 * Header presets (kept in the workspace doc, so they sync): apply one to a request (its rows
 * are appended) or save the request's headers as a new preset.
 */
import { h } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { menuButton, menuItem } from '../ui/menu.ts'
import { promptText, toast } from '../ui/dialogs.ts'
import type { AppContext } from '../app-context.ts'
import type { Collection } from '../model/types.ts'
import { requestRows } from './request-sources.ts'

/** Common request header names offered while typing a key. */
export const HEADER_NAMES = [
  'Accept', 'Accept-Encoding', 'Accept-Language', 'Authorization', 'Cache-Control', 'Content-Type', 'Cookie',
  'If-Match', 'If-None-Match', 'Origin', 'Prefer', 'User-Agent', 'X-Api-Key', 'X-Request-Id',
] as const

export function headerPresetsMenu(ctx: AppContext, collection: Collection, requestId: string): HTMLElement {
  const index = ctx.workspace.index
  return menuButton({ label: 'Header presets', class: 'btn btn-sm', testId: 'header-presets' }, [icon('layers', 15), 'Presets', icon('chevronDown', 14)], () => {
    const presets = index.headerPresets()
    return [
      h('div', { class: 'menu-label' }, 'Add headers from a preset'),
      presets.length === 0 ? h('p', { class: 'hint', style: 'padding:4px 10px 8px' }, 'No presets yet.') : null,
      presets.map((preset) =>
        menuItem([preset.name, h('span', { class: 'sub' }, preset.headers.map((r) => r.key).join(', ') || 'no headers')], () => {
          const list = collection.list(requestId, 'headers')
          if (!list) return
          collection.doc.transact(() => {
            for (const row of preset.headers) list.insert(row)
          })
          toast(`Added ${preset.headers.length} header(s) from "${preset.name}"`)
        }),
      ),
      h('div', { class: 'menu-sep', role: 'separator' }),
      menuItem('Save these headers as a preset…', () => {
        // Read from the tree: the live list would materialize a compact request just to copy it.
        const rows = requestRows(collection, requestId, 'headers')
        if (rows.length === 0) return toast('Add some headers first.')
        void promptText('New header preset', 'Preset name', '', 'Save').then((name) => {
          if (!name) return
          index.addHeaderPreset(name, rows.map(({ key, value, enabled }) => ({ key, value, enabled })))
          toast(`Saved preset "${name}"`)
        })
      }, { icon: icon('plus') }),
    ]
  })
}

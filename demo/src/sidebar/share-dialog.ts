/**
 * "Share collection": create a read-only link (optional expiry and use limit), copy it, and
 * list or revoke this collection's links. Needs a signed-in account with a confirmed email.
 */
import type { LinkInfo, Share } from '@ferry/client'
import { h, replaceChildren } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { openDialog, toast } from '../ui/dialogs.ts'
import { describeError, field } from '../ui/form.ts'
import type { AppContext } from '../app-context.ts'
import type { CollectionInfo } from '../model/types.ts'

const DAY_MS = 86_400_000
const EXPIRY: readonly { label: string; days: number | null }[] = [
  { label: 'Never', days: null },
  { label: 'In 1 day', days: 1 },
  { label: 'In 7 days', days: 7 },
  { label: 'In 30 days', days: 30 },
]

function linkState(link: LinkInfo): string {
  const uses = `${link.uses}${link.maxUses === null ? '' : ` of ${link.maxUses}`} use${link.uses === 1 && link.maxUses === null ? '' : 's'}`
  const expiry = link.expiresAt === null ? 'no expiry' : `expires ${new Date(link.expiresAt).toLocaleDateString()}`
  const state = link.state === 'active' ? '' : ` · ${link.state.replace('_', ' ')}`
  return `Created ${new Date(link.createdAt).toLocaleDateString()} · ${uses} · ${expiry}${state}`
}

async function copy(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text)
    toast('Link copied')
  } catch {
    toast('Copying is not allowed here; select the link and copy it.', 'error')
  }
}

export function openShareDialog(ctx: AppContext, summary: CollectionInfo): void {
  const share: Share | null = ctx.session.share()
  const account = ctx.session.active()
  void openDialog<void>(`Share "${summary.name}"`, (close) => {
    const done = h('div', { class: 'dialog-actions' }, h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Close'))
    if (!share || !account) {
      return h('div', { style: 'display:grid;gap:14px' }, h('p', {}, 'Sign in to share collections: anyone with a link gets a live, read-only view and can import a copy.'), done)
    }
    if (!account.emailConfirmed) {
      return h('div', { style: 'display:grid;gap:14px' }, h('div', { class: 'alert alert-info' }, icon('send'),
        h('span', {}, 'Confirm your email first: open the link we sent to ', h('strong', {}, account.email), '.')), done)
    }
    const docName = ctx.workspace.docName('collection', summary.id)
    const alert = h('div', { class: 'alert', role: 'alert', hidden: true })
    const fail = (error: unknown) => {
      alert.hidden = false
      alert.textContent = describeError(error)
    }
    const expiry = h('select', { class: 'select', 'data-testid': 'share-expiry' }, EXPIRY.map((e, i) => h('option', { value: String(i) }, e.label)))
    const maxUses = h('input', { class: 'input', type: 'number', min: '1', step: '1', placeholder: 'Unlimited', 'data-testid': 'share-max-uses' })
    const created = h('div')
    const list = h('ul', { class: 'list', 'aria-label': 'Links to this collection' })
    const refresh = () => share.list().then((links) => {
      const mine = links.filter((l) => l.docName === docName).sort((a, b) => b.createdAt - a.createdAt)
      replaceChildren(list, mine.length === 0 ? h('li', { class: 'hint' }, 'No links yet.') : mine.map((link) =>
        h('li', { class: 'list-row', style: 'cursor:default', 'data-testid': 'share-link-row' },
          icon('share', 15),
          h('span', { class: 'grow', style: 'white-space:normal;font-size:12.5px' }, linkState(link)),
          link.state === 'active'
            ? h('button', { type: 'button', class: 'btn btn-sm btn-danger', 'data-testid': 'revoke-link', onclick: () => {
                share.revoke(link.id).then(() => (toast('Link revoked'), refresh()), fail)
              } }, 'Revoke')
            : null)))
    }, fail)
    void refresh()
    const form = h('form', {
      style: 'display:grid;gap:12px',
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault()
        const days = EXPIRY[Number(expiry.value)]?.days ?? null
        const uses = maxUses.value ? Number(maxUses.value) : undefined
        alert.hidden = true
        share.createLink(summary.id, { ...(days ? { expiresAt: Date.now() + days * DAY_MS } : {}), ...(uses ? { maxUses: uses } : {}) }).then((link) => {
          const input = h('input', { class: 'input mono', readonly: true, value: link.url, 'aria-label': 'Share link', 'data-testid': 'share-url' })
          replaceChildren(created, h('div', { class: 'field-row' }, input,
            h('button', { type: 'button', class: 'btn', onclick: () => void copy(link.url) }, icon('copy', 15), 'Copy')))
          input.select()
          void refresh()
        }, fail)
      },
    },
    h('p', { class: 'hint' }, 'Anyone with the link sees this collection live and read-only, and can import a copy. Variable values are never shared.'),
    alert,
    h('div', { class: 'field-row', style: 'align-items:end' }, h('div', { style: 'flex:1' }, field('Expires', expiry)), h('div', { style: 'flex:1' }, field('Max uses', maxUses))),
    h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'create-link' }, icon('share', 15), 'Create link'),
    created)
    return h('div', { style: 'display:grid;gap:14px;min-width:min(480px,80vw)' }, form, h('h3', {}, 'Links'), list, done)
  })
}

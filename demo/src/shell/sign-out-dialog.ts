/**
 * Signing out of the active account. Signing out wipes the account's data from this browser,
 * so when the relay does not have everything (sync off, offline, still sending) the dialog
 * says exactly what would be lost and offers to sync first (turn sync on, wait until in sync,
 * then sign out) or to export the changed collections as Postman files.
 */
import { h } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { confirmAction, openDialog, toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import type { AccountInfo, AppSession } from '../model/session.ts'
import type { UnsyncedSummary } from '../model/unsynced.ts'
import { exportCollection } from '../sidebar/import-export.ts'
import { displayName } from './avatar.ts'

/** How long "Sync and sign out" waits for the relay to hold everything, milliseconds. */
const SYNC_WAIT_MS = 30_000

type Choice = 'sync' | 'sign-out'

function waitInSync(session: AppSession): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer)
      off()
      resolve(ok)
    }
    const check = () => session.sync().state === 'in-sync' && done(true)
    const off = session.onChange(check)
    const timer = setTimeout(() => done(false), SYNC_WAIT_MS)
    check()
  })
}

async function exportChanged(session: AppSession, summary: UnsyncedSummary): Promise<void> {
  const workspace = session.workspace()
  const infos = workspace.index.allCollections().filter((c) => summary.collectionIds.includes(c.id))
  for (const info of infos) exportCollection(info, await workspace.collection(info.id))
  toast(infos.length === 1 ? `Exported “${infos[0]!.name}”` : `Exported ${infos.length} collections`)
}

function askWithLosses(session: AppSession, account: AccountInfo, summary: UnsyncedSummary): Promise<Choice | undefined> {
  return openDialog<Choice>(`Sign out of ${displayName(account)}?`, (close) =>
    h('form', { onsubmit: (e: SubmitEvent) => (e.preventDefault(), close('sign-out')), 'data-testid': 'sign-out-losses' },
      h('p', { class: 'hint', style: 'font-size:14px;color:var(--text-2)' },
        account.syncEnabled ? 'The relay does not have these changes yet. ' : 'Sync is off, so the relay does not have these changes. ',
        'Signing out removes the account’s data from this browser, and with it:'),
      h('ul', { class: 'loss-list', 'data-testid': 'unsynced-lines' }, summary.lines.map((line) => h('li', {}, line.charAt(0).toUpperCase() + line.slice(1)))),
      h('p', { class: 'hint' }, 'Everything synced before stays in your account.'),
      h('div', { class: 'dialog-actions', style: 'flex-wrap:wrap' },
        h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Cancel'),
        summary.collectionIds.length
          ? h('button', { type: 'button', class: 'btn', 'data-testid': 'export-unsynced', onclick: () => void exportChanged(session, summary).catch((e: unknown) => toast(describeError(e), 'error')) },
              icon('download', 15), 'Export changed collections')
          : null,
        account.signedIn
          ? h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'sync-then-sign-out', onclick: () => close('sync') }, icon('cloudSync', 15), account.syncEnabled ? 'Sync, then sign out' : 'Turn sync on, then sign out')
          : null,
        h('button', { type: 'submit', class: 'btn btn-danger', 'data-testid': 'sign-out-anyway' }, 'Sign out and lose them'))))
}

async function syncFirst(session: AppSession, account: AccountInfo): Promise<boolean> {
  if (!account.syncEnabled) await session.setSyncEnabled(account.id, true)
  session.syncNow()
  toast('Syncing before signing out…')
  if (await waitInSync(session)) return true
  toast('The relay did not get everything (it may be unreachable), so you are still signed in. Try again, or export first.', 'error', 8000)
  return false
}

export async function signOutFlow(session: AppSession, account: AccountInfo): Promise<void> {
  try {
    const inSync = session.sync().state === 'in-sync'
    const summary = inSync ? null : await session.unsyncedSummary()
    if (!summary || summary.lines.length === 0) {
      const ok = await confirmAction(`Sign out of ${displayName(account)}?`,
        'This removes the account and all of its data from this browser. Everything is on the relay and stays in your account.', 'Sign out')
      if (!ok) return
    } else {
      const choice = await askWithLosses(session, account, summary)
      if (choice === undefined) return
      if (choice === 'sync' && !(await syncFirst(session, account))) return
    }
    await session.signOut(account.id)
    toast(`Signed out of ${account.email}`)
  } catch (error) {
    toast(describeError(error), 'error')
  }
}

/**
 * "Download backup" and "Restore from backup…" (docs/BACKUP.md), in the account settings and,
 * for the workspace without an account, in the account menu. Restoring reads the file first:
 * a file that is not a backup says why; one whose values are sealed for another account asks
 * for that account's recovery key (or restores without the values, which then wait empty).
 * The end is what the restore did, in sentences.
 */
import { inspectBackup, type BackupSummary } from '@ferry/client'
import type { AppSession } from '../model/session.ts'
import { h } from '../ui/dom.ts'
import { openDialog, toast } from '../ui/dialogs.ts'
import { describeError, field } from '../ui/form.ts'
import { icon } from '../ui/icons.ts'
import { restoreSentences } from './backup-report.ts'

async function download(session: AppSession): Promise<void> {
  const backup = await session.downloadBackup()
  const url = URL.createObjectURL(new Blob([backup.text], { type: 'application/json' }))
  const link = h('a', { href: url, download: backup.fileName })
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  toast(
    backup.from === 'relay' || session.active() === null
      ? 'Backup downloaded'
      : 'Backup made from this device’s copy (the relay could not be reached): it has no vault record, so its values restore only into this account.',
    'info',
    backup.from === 'relay' ? 4000 : 10_000,
  )
}

/** Restores `text`, asking for a recovery key when its values need one; the report when it ran, null when cancelled. */
function restoreFlow(session: AppSession, text: string, summary: BackupSummary): Promise<string[] | undefined> {
  const run = (recoveryKey?: string) => session.restoreBackup(text, recoveryKey).then((report) => restoreSentences(report, summary))
  if (!summary.needsRecoveryKey) return run()
  return openDialog<string[]>('Recovery key of the backup', (close) => {
    const alert = h('div', { class: 'alert', role: 'alert', hidden: true })
    const input = h('input', { class: 'input mono', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'backup-recovery-key' })
    const attempt = (key?: string) =>
      run(key).then(close, (error: unknown) => {
        alert.hidden = false
        alert.textContent = describeError(error)
      })
    return h('form', { onsubmit: (e: SubmitEvent) => (e.preventDefault(), input.value.trim() && void attempt(input.value.trim())) },
      h('p', {}, `This backup holds ${summary.values === 1 ? '1 variable value' : `${summary.values} variable values`} encrypted for ${summary.source.email ?? 'another account'}. Enter that account’s recovery key to bring them in; without it they stay empty until you restore the file again with the key.`),
      alert,
      field('Recovery key', input),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Cancel'),
        h('button', { type: 'button', class: 'btn', 'data-testid': 'backup-restore-without-key', onclick: () => void attempt() }, 'Restore without values'),
        h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'backup-restore-with-key' }, 'Restore')))
  })
}

async function restore(session: AppSession, file: File): Promise<void> {
  const text = await file.text()
  const summary = inspectBackup(session.workspace(), text)
  const sentences = await restoreFlow(session, text, summary)
  if (!sentences) return
  if (summary.valuesUnreadable) sentences.push('Its variable values cannot be restored here: it was made without the vault record of the account it came from.')
  await openDialog<void>('Backup restored', (close) =>
    h('form', { onsubmit: (e: SubmitEvent) => (e.preventDefault(), close(undefined)), 'data-testid': 'backup-report' },
      ...sentences.map((sentence) => h('p', {}, sentence)),
      h('div', { class: 'dialog-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', autofocus: true }, 'Close'))))
}

export function backupSection(session: AppSession): HTMLElement {
  const file = h('input', { type: 'file', accept: 'application/json,.json', class: 'sr-only', 'data-testid': 'backup-file' })
  file.addEventListener('change', () => {
    const chosen = file.files?.[0]
    file.value = ''
    if (chosen) restore(session, chosen).catch((error: unknown) => toast(describeError(error), 'error', 10_000))
  })
  return h('div', { class: 'field-row', style: 'justify-content:space-between;gap:14px;flex-wrap:wrap' },
    h('span', { class: 'hint', style: 'flex:1;min-width:200px' }, 'Everything of this workspace as one file, values still encrypted; a backup merges into what is here.'),
    h('div', { class: 'field-row', style: 'gap:8px' },
      h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'backup-download', onclick: () => void download(session).catch((error: unknown) => toast(describeError(error), 'error')) }, icon('download', 15), 'Download backup'),
      h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'backup-restore', onclick: () => file.click() }, icon('upload', 15), 'Restore from backup…'),
      file))
}

/** The section alone, for the workspace without an account (which has no settings dialog). */
export function openBackupDialog(session: AppSession): void {
  void openDialog<void>('Back up or restore', (close) =>
    h('div', { style: 'display:grid;gap:14px' }, backupSection(session),
      h('div', { class: 'dialog-actions' }, h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Close'))))
}

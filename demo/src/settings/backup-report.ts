/** What a restore did, in sentences for the user (docs/BACKUP.md). */
import type { BackupSummary, RestoreReport } from '@ferry/client'
import { LOCAL_ACCOUNT_ID } from '@ferry/protocol'

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

export function restoreSentences(report: RestoreReport, from: Pick<BackupSummary, 'source' | 'createdAt'>): string[] {
  const who = from.source.email ?? (from.source.accountId === LOCAL_ACCOUNT_ID ? 'a workspace without an account' : 'an account')
  const sentences = [`Merged ${plural(report.merged, 'document')} from the backup of ${who} (${from.createdAt.slice(0, 10)}) into this workspace.`]
  if (report.skipped.length > 0) sentences.push(`${plural(report.skipped.length, 'collection was', 'collections were')} deleted for good in this account and stay deleted.`)
  const { kept, restored, needKey, needVault } = report.secrets
  if (restored > 0) sentences.push(`${plural(restored, 'variable value')} restored, encrypted for this account.`)
  if (kept > 0) sentences.push(`${plural(kept, 'variable value was', 'variable values were')} here already.`)
  if (needKey > 0) sentences.push(`${plural(needKey, 'variable value is', 'variable values are')} still empty: they open only with the recovery key of the account the backup came from. Restore the file again with that key to fill them.`)
  if (needVault > 0) sentences.push(`${plural(needVault, 'variable value is', 'variable values are')} still empty: this device cannot encrypt values for this account yet. Set up or unlock the vault (Environments → Globals), then restore the file again.`)
  return sentences
}

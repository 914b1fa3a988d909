/**
 * Words that depend on where edits go: the local-only workspace has no relay (nothing it does
 * reaches another device), an account with sync off keeps edits here until sync is back on,
 * and only a syncing account reaches every device. Copy that promises syncing comes from here.
 */
import type { AppSession } from './session.ts'

type Mode = 'local' | 'sync-off' | 'sync'

function modeOf(session: AppSession): Mode {
  const account = session.active()
  if (!account) return 'local'
  return account.syncEnabled ? 'sync' : 'sync-off'
}

/** Where a delete takes effect, as the end of a sentence: "…deletes X on all your devices." */
export function whereChangesGo(session: AppSession): string {
  switch (modeOf(session)) {
    case 'local':
      return 'on this device (it is stored nowhere else)'
    case 'sync-off':
      return 'on this device now, and on your other devices once sync is on again'
    case 'sync':
      return 'on all your devices'
  }
}

/** The home screen's sentence on where work is kept. */
export function whereWorkIsKept(session: AppSession): string {
  switch (modeOf(session)) {
    case 'local':
      return 'Everything you do is saved on this device only; nothing is synced.'
    case 'sync-off':
      return 'Everything you do is saved on this device. Sync is off for this account here, so your other devices get it once you turn sync on.'
    case 'sync':
      return 'Everything you do is saved on this device and syncs to your other devices when you are online.'
  }
}

/** What a restore from the trash brings back; only with an account are there other devices to reach. */
export function whatRestoreKeeps(session: AppSession): string {
  return modeOf(session) === 'local'
    ? 'Restoring brings one back with every edit made meanwhile.'
    : 'Restoring brings one back with every edit made meanwhile, also on a device that was offline.'
}

/** Where a restored version goes, as the end of "It is a new edit: …". */
export function whereARestoreGoes(session: AppSession): string {
  switch (modeOf(session)) {
    case 'local':
      return 'it stays on this device'
    case 'sync-off':
      return 'it stays on this device until sync is on again, then reaches your other devices'
    case 'sync':
      return 'it syncs to your other devices'
  }
}

/** Where a collection's variables go (they are not encrypted, unlike an environment's values). */
export function whereCollectionVariablesGo(session: AppSession): string {
  return modeOf(session) === 'local'
    ? 'They are kept with the collection unencrypted and go with it when you export it: keep secrets in an environment.'
    : 'They sync with the collection unencrypted: keep secrets in an environment.'
}

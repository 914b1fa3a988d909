/**
 * "The account set changed": a message between the tabs of one browser, so a sign-in, a
 * sign-out, a profile change or sync on/off made in one tab shows in the others without a
 * reload. It carries nothing but the fact: each tab re-reads `ferry:accounts` itself, which
 * is the only source of truth (tokens never travel over the channel).
 */

/** Posts and hears account changes; a no-op where there is no channel. */
export interface AccountsChannel {
  /** Tells the other tabs to re-read the accounts (never heard by this tab itself). */
  announce(): void
  close(): void
}

const SILENT: AccountsChannel = { announce: () => {}, close: () => {} }

/**
 * Opens the channel of `scope` (the tab scope, as for doc sharing); null scope or no
 * BroadcastChannel → a channel that says and hears nothing, and tabs see changes on reload.
 */
export function openAccountsChannel(scope: string | null, onChange: () => void): AccountsChannel {
  if (scope === null || typeof BroadcastChannel !== 'function') return SILENT
  const channel = new BroadcastChannel(`ferry-accounts:${scope}`)
  channel.onmessage = () => onChange()
  return {
    announce: () => channel.postMessage('changed'),
    close: () => channel.close(),
  }
}

/**
 * How this device sends requests, kept in localStorage (never synced: a pairing token belongs
 * to this browser and the agent on this machine): the paired Ferry agent, whether the relay's
 * send proxy may be used, redirects and the timeout.
 */

export const DEFAULT_AGENT_URL = 'http://127.0.0.1:47110'
const KEY = 'ferry:send-settings'

export interface SendSettings {
  /** The paired agent: its address and the token it gave this page. */
  readonly agent: { readonly url: string; readonly token: string } | null
  /** Use the relay's send proxy (when the relay offers one) if the agent cannot be used. */
  readonly useRelay: boolean
  readonly followRedirects: boolean
  readonly timeoutMs: number
}

const DEFAULTS: SendSettings = { agent: null, useRelay: true, followRedirects: true, timeoutMs: 30_000 }

function read(): Partial<SendSettings> {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}')
    return typeof stored === 'object' && stored !== null ? stored : {}
  } catch {
    return {}
  }
}

/** The settings, each value checked (a hand-edited or older entry falls back to the default). */
export function sendSettings(): SendSettings {
  const stored = read()
  const agent = stored.agent
  return {
    agent: agent && typeof agent.url === 'string' && typeof agent.token === 'string' ? { url: agent.url, token: agent.token } : null,
    useRelay: typeof stored.useRelay === 'boolean' ? stored.useRelay : DEFAULTS.useRelay,
    followRedirects: typeof stored.followRedirects === 'boolean' ? stored.followRedirects : DEFAULTS.followRedirects,
    timeoutMs: Number.isInteger(stored.timeoutMs) && stored.timeoutMs! > 0 ? stored.timeoutMs! : DEFAULTS.timeoutMs,
  }
}

export function updateSendSettings(change: Partial<SendSettings>): void {
  localStorage.setItem(KEY, JSON.stringify({ ...sendSettings(), ...change }))
}

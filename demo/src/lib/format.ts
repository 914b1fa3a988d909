/** Human-readable figures for the response bar and the history list. */

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`
}

/** "just now", "5 min ago", "3 h ago", else a short date. */
export function formatWhen(epochMs: number, now = Date.now()): string {
  const diff = Math.max(0, now - epochMs)
  if (diff < 45_000) return 'just now'
  if (diff < 3_600_000) return `${Math.round(diff / 60_000)} min ago`
  if (diff < 86_400_000) return `${Math.round(diff / 3_600_000)} h ago`
  return new Date(epochMs).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
}

export function statusClass(status: number): string {
  if (status === 0) return 'status-err'
  return `status-${Math.floor(status / 100)}xx`
}

/** Pretty-prints JSON bodies; anything else is returned as it is. */
export function prettyBody(text: string, contentType: string | null): string {
  const looksJson = (contentType ?? '').includes('json') || /^\s*[[{]/.test(text)
  if (!looksJson) return text
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

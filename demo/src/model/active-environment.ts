/**
 * Which environment is active is a choice of this device (as in desktop API clients), not
 * synced data: it lives in localStorage per account. A missing or deleted id reads as none.
 */
import type { Environments } from './types.ts'

const listeners = new Set<() => void>()
const keyFor = (owner: string) => `ferry:active-env:${owner}`

export function activeEnvironmentId(owner: string, environments: Environments): string | null {
  const id = localStorage.getItem(keyFor(owner))
  return id && environments.get(id) ? id : null
}

export function setActiveEnvironment(owner: string, id: string | null): void {
  if (id === null) localStorage.removeItem(keyFor(owner))
  else localStorage.setItem(keyFor(owner), id)
  for (const listener of [...listeners]) listener()
}

export function onActiveEnvironmentChange(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

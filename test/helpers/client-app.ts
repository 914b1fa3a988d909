/** Opening a `FerryClient` on a simulated device, signing up users on a test relay, waiting for sync. */
import { expect, vi } from 'vitest'
import { describeStatus, FerryClient, RelayApi, type FerryClientOptions } from '../../packages/client/src/index.ts'
import { uniqueEmail, type Device } from './client-devices.ts'
import type { TestRelay } from './relay.ts'

export const PASSWORD = 'correct horse battery staple'

/** `extra.tabScope: device.name` makes clients on one device behave as tabs of one browser. */
export function openClient(relay: TestRelay, device: Device, extra: Partial<FerryClientOptions> = {}): Promise<FerryClient> {
  return FerryClient.open({
    relayUrl: relay.url,
    indexedDB: device.indexedDB,
    createSocket: device.createSocket,
    online: null,
    backoff: { minMs: 20, maxMs: 200, random: () => 0.5 },
    ...extra,
  })
}

/** Signs a new user up; answers the email to sign in with. */
export async function signUp(relay: TestRelay, label: string): Promise<string> {
  const email = uniqueEmail(label)
  await new RelayApi({ baseUrl: relay.url }).signup({ email, password: PASSWORD, name: label })
  return email
}

/** Waits until everything `client` holds is stored by the relay (`in sync`). */
export const inSync = (client: FerryClient): Promise<void> =>
  vi.waitFor(() => expect(describeStatus(client.status)).toBe('in sync'), { timeout: 15_000 })

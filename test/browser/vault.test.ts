/**
 * Variable values under the vault: set it up (recovery key shown once), use a secret in a
 * request, a second device sees values locked until the first approves it, a third unlocks
 * with the recovery key.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { exportAesKey, generateAesKey, generateRecoveryKey, hkdf, toBase64Url, utf8Encode } from '@ferry/crypto'
import { wrapForDevice, wrapWithRecoveryKey } from '../../packages/client/src/vault-keys.ts'
import { signIn as signInOverHttp } from '../helpers/sessions.ts'
import { device, eventually, hasChromium, screenshot, useApiServer, useDemoSuite } from './harness.ts'
import { addRequest, approveDevice, confirmDialog, createCollection, openGlobals, setUpVault, signIn, signUp } from './ui.ts'

/**
 * Someone holding only an access token of the account (here: from a sign-in over HTTP) who
 * writes to the relay's vault routes with a key of its own; its chain link is forged as well
 * as it can be (see test/e2e/vault-chain.test.ts).
 */
async function thief(relayUrl: string, email: string, password: string) {
  const { accessToken, userId } = await signInOverHttp({ url: relayUrl }, email, password)
  const owner = userId
  const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(relayUrl + path, { method, headers: { authorization: `Bearer ${accessToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined })
    expect(response.status, `${method} ${path}`).toBeLessThan(300)
    return (await response.json()) as Record<string, unknown>
  }
  const key = await generateAesKey({ extractable: true })
  const recoveryKey = generateRecoveryKey()
  return {
    /** Rotates the vault to the thief's key, wrapped for every approved device. */
    async rotate(): Promise<void> {
      const { generation } = (await call('GET', '/v1/vault')) as { generation: number }
      const { devices } = (await call('GET', '/v1/vault/devices')) as { devices: { id: string; publicKey: string; status: string }[] }
      const approved = devices.filter((d) => d.status === 'approved')
      const next = generation + 1
      const wrappedKeys = await Promise.all(approved.map(async (d) => ({ deviceId: d.id, wrappedKey: await wrapForDevice(key, d.publicKey, owner, d.id, next) })))
      const keyId = toBase64Url(await hkdf(await exportAesKey(key), { salt: new Uint8Array(0), info: 'ferry/vault/key-id/v1' }, 16))
      const link = toBase64Url(utf8Encode(JSON.stringify({ generation: next, parent: generation, keyId, recipients: approved.map((d) => d.id).sort(), previousKey: toBase64Url(randomBytes(62)), tag: toBase64Url(randomBytes(32)) })))
      await call('POST', '/v1/vault/rotate', { generation: next, wrappedKeys, recoveryWrappedKey: await wrapWithRecoveryKey(key, recoveryKey, owner, next), recoveryTag: toBase64Url(randomBytes(32)), link })
    },
    /** Replaces the relay's recovery wrap with the thief's key under its own recovery key. */
    async swapRecovery(): Promise<void> {
      const { generation } = (await call('GET', '/v1/vault')) as { generation: number }
      await call('PUT', '/v1/vault/recovery', { generation, recoveryWrappedKey: await wrapWithRecoveryKey(key, recoveryKey, owner, generation), recoveryTag: toBase64Url(randomBytes(32)) })
    },
  }
}


const user = { email: 'vera@example.com', password: 'vault password 1', name: 'Vera' }

describe.skipIf(!hasChromium)('demo vault', () => {
  const suite = useDemoSuite()
  const api = useApiServer()

  it('seals values, locks them on a new device until approved, and unlocks with the recovery key', async () => {
    const first = await device(suite.browser)
    await signUp(first.page, suite.relay.url, user)
    await first.page.getByTestId('continue').click()
    await openGlobals(first.page)
    // Before the vault exists, the value cell says why it cannot be typed in.
    expect(await first.page.getByTestId('new-var-value').getAttribute('placeholder')).toBe('Set up the vault (above) to store values')
    expect(await first.page.getByTestId('new-var-value').isDisabled()).toBe(true)
    await first.page.getByTestId('vault-setup').click()
    const recoveryKey = (await first.page.getByTestId('recovery-key').textContent()) ?? ''
    expect(recoveryKey.length).toBeGreaterThan(20)
    await screenshot(first.page, 'recovery-key')
    // The key is shown only now: Escape (twice) and a click beside the dialog leave it open.
    await first.page.keyboard.press('Escape')
    await first.page.keyboard.press('Escape')
    await first.page.mouse.click(5, 5)
    expect(await first.page.getByTestId('recovery-key').isVisible()).toBe(true)
    expect(await first.page.getByTestId('recovery-done').isDisabled()).toBe(true)
    await first.page.getByTestId('recovery-saved').check()
    await first.page.getByTestId('recovery-done').click()
    await eventually(() => first.page.getByTestId('vault-notice').count()).toBe(0)
    await first.page.getByTestId('new-var-key').fill('token')
    await first.page.getByLabel('Value of token', { exact: true }).fill('s3cret-value')
    await first.page.getByLabel('Variable name', { exact: true }).press('Tab')

    await createCollection(first.page, 'Vaulted')
    await addRequest(first.page, 'Vaulted', 'Who am I', `${api.url}/me`)
    await first.page.getByTestId('req-tab-headers').click()
    await first.page.getByLabel('Key (new row)', { exact: true }).fill('X-Token')
    await first.page.getByLabel('Value 1', { exact: true }).fill('{{token}}')
    await first.page.getByTestId('send').click()
    await eventually(() => first.page.getByTestId('response-status').textContent()).toContain('200')
    expect(api.requests.at(-1)?.headers['x-token']).toBe('s3cret-value')
    await eventually(() => first.page.getByTestId('sync-badge').textContent()).toContain('IN SYNC')

    const second = await device(suite.browser)
    await second.page.goto(suite.relay.url)
    await signIn(second.page, user)
    await openGlobals(second.page)
    await eventually(() => second.page.getByTestId('vault-notice').textContent()).toContain('cannot read variable values yet')
    await eventually(() => second.page.getByTestId('var-value-token').getAttribute('placeholder')).toBe('Locked on this device')
    expect(await second.page.getByTestId('var-value-token').isDisabled()).toBe(true)
    await screenshot(second.page, 'vault-locked')

    // The waiting device names itself before it can read any value, to be told apart where it is approved.
    await second.page.getByTestId('account-menu').click()
    await second.page.getByTestId('open-settings').click()
    // Two browsers of one kind get told-apart names.
    await eventually(() => second.page.getByTestId('device-name').allTextContents()).toEqual(['Chrome on Linux', 'Chrome on Linux (2)'])
    await second.page.getByTestId('devices-pending').getByTestId('rename-device').click()
    await second.page.locator('dialog[open] #prompt-input').fill('Work laptop')
    await second.page.locator('dialog[open] button[type=submit]').last().click()
    await eventually(() => second.page.getByTestId('devices-pending').getByTestId('device-name').allTextContents()).toEqual(['Work laptop'])
    expect(await second.page.getByTestId('approve-device').count()).toBe(0)
    await second.page.keyboard.press('Escape')
    // Where it is approved, it is listed apart from the devices that can read the values.
    await first.page.getByTestId('account-menu').click()
    await first.page.getByTestId('open-settings').click()
    await eventually(() => first.page.getByTestId('devices-pending').getByTestId('device-name').allTextContents()).toEqual(['Work laptop'])
    expect(await first.page.getByTestId('devices-approved').getByTestId('device-name').allTextContents()).toEqual(['Chrome on Linux'])
    await first.page.keyboard.press('Escape')

    await approveDevice(first.page)
    // No click on "Check again": the waiting device notices the approval by itself.
    await eventually(() => second.page.getByTestId('var-value-token').inputValue()).toBe('s3cret-value')

    // Either device can be renamed from any device.
    await first.page.getByTestId('account-menu').click()
    await first.page.getByTestId('open-settings').click()
    const names = () => first.page.getByTestId('device-name').allTextContents()
    await eventually(names).toEqual(['Chrome on Linux', 'Work laptop'])
    await first.page.getByTestId('rename-device').nth(1).click()
    await first.page.locator('dialog[open] #prompt-input').fill('Phone')
    await first.page.locator('dialog[open] button[type=submit]').last().click()
    await eventually(names).toEqual(['Chrome on Linux', 'Phone'])
    await screenshot(first.page, 'devices')
    await first.page.keyboard.press('Escape')
    await second.page.getByTestId('account-menu').click()
    await second.page.getByTestId('open-settings').click()
    await eventually(() => second.page.getByTestId('device-name').allTextContents()).toEqual(['Chrome on Linux', 'Phone'])
    await second.page.keyboard.press('Escape')

    const third = await device(suite.browser)
    await third.page.goto(suite.relay.url)
    await signIn(third.page, user)
    await openGlobals(third.page)
    await third.page.getByTestId('use-recovery-key').click()
    await third.page.getByTestId('recovery-input').fill(recoveryKey)
    await third.page.locator('dialog[open] button[type=submit]').click()
    await eventually(() => third.page.getByTestId('var-value-token').inputValue()).toBe('s3cret-value')
    for (const d of [first, second, third]) {
      expect(d.errors).toEqual([])
      await d.context.close()
    }
  }, 150_000)

  it('warns when someone without the key rotated it or swapped the recovery key, and repairs both from a trusted device', async () => {
    const tess = { email: 'tess@example.com', password: 'vault chain pass 1', name: 'Tess' }
    const laptop = await device(suite.browser)
    await signUp(laptop.page, suite.relay.url, tess)
    await laptop.page.getByTestId('continue').click()
    await openGlobals(laptop.page)
    await setUpVault(laptop.page)
    await laptop.page.getByTestId('new-var-key').fill('token')
    await laptop.page.getByLabel('Value of token', { exact: true }).fill('mine-only')
    await laptop.page.getByLabel('Value of token', { exact: true }).press('Tab')
    await eventually(() => laptop.page.getByTestId('sync-badge').textContent()).toContain('IN SYNC')
    await expect.poll(() => laptop.page.getByTestId('vault-untrusted').count()).toBe(0)

    // The key fingerprint, to compare between devices, is in the settings.
    await laptop.page.getByTestId('account-menu').click()
    await laptop.page.getByTestId('open-settings').click()
    const fingerprint = (await laptop.page.getByTestId('vault-key-fingerprint').locator('code').textContent()) ?? ''
    expect(fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/)
    await laptop.page.keyboard.press('Escape')

    const stranger = await thief(suite.relay.url, tess.email, tess.password)
    await stranger.rotate()
    await laptop.page.reload()
    const banner = laptop.page.getByTestId('vault-untrusted')
    await eventually(() => banner.textContent()).toContain('Someone changed this vault’s key without holding it. This device keeps using its key; rotate the key from a trusted device to repair.')
    await screenshot(laptop.page, 'vault-untrusted')
    // Values still open under the device's own key.
    await openGlobals(laptop.page)
    await eventually(() => laptop.page.getByTestId('var-value-token').inputValue()).toBe('mine-only')

    // Approving a new device now says why it cannot be done.
    const phone = await device(suite.browser)
    await phone.page.goto(suite.relay.url)
    await signIn(phone.page, tess)
    await openGlobals(phone.page)
    await eventually(() => phone.page.getByTestId('vault-notice').textContent()).toContain('cannot read variable values yet')
    await laptop.page.getByTestId('account-menu').click()
    await laptop.page.getByTestId('open-settings').click()
    await laptop.page.getByTestId('settings-untrusted').waitFor()
    await laptop.page.getByTestId('approve-device').click()
    await laptop.page.locator('dialog[open] button[type=submit]').last().click()
    await laptop.page.getByText('This vault’s key was changed by someone who does not hold it, so no device can be approved now.').waitFor()
    await screenshot(laptop.page, 'vault-approve-untrusted')
    await laptop.page.keyboard.press('Escape')

    // Rotating from this device repairs it: the banner goes, and the phone can be approved.
    await banner.getByTestId('rotate-key').click()
    await confirmDialog(laptop.page)
    await laptop.page.getByTestId('recovery-saved').check()
    await laptop.page.getByTestId('recovery-done').click()
    await eventually(() => banner.count()).toBe(0)
    await approveDevice(laptop.page)
    await eventually(() => phone.page.getByTestId('var-value-token').inputValue()).toBe('mine-only')
    await phone.page.getByTestId('account-menu').click()
    await phone.page.getByTestId('open-settings').click()
    const phoneFingerprint = (await phone.page.getByTestId('vault-key-fingerprint').locator('code').textContent()) ?? ''
    await laptop.page.getByTestId('account-menu').click()
    await laptop.page.getByTestId('open-settings').click()
    await eventually(() => laptop.page.getByTestId('vault-key-fingerprint').locator('code').textContent()).toBe(phoneFingerprint)
    expect(phoneFingerprint).not.toBe(fingerprint)
    await screenshot(laptop.page.locator('dialog[open]'), 'vault-key-fingerprint')
    await laptop.page.keyboard.press('Escape')

    // A swapped recovery wrap: flagged, and a new recovery key clears it.
    await stranger.swapRecovery()
    await laptop.page.reload()
    const tampered = laptop.page.getByTestId('vault-recovery-tampered')
    await eventually(() => tampered.textContent()).toContain('Your recovery key was replaced on the relay')
    await screenshot(laptop.page, 'vault-recovery-tampered')
    await tampered.getByTestId('replace-recovery-key').click()
    await confirmDialog(laptop.page)
    await laptop.page.getByTestId('recovery-saved').check()
    await laptop.page.getByTestId('recovery-done').click()
    await eventually(() => tampered.count()).toBe(0)
    for (const d of [laptop, phone]) {
      expect(d.errors).toEqual([])
      await d.context.close()
    }
  }, 120_000)
})

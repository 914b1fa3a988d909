/**
 * Variable values under the vault: set it up (recovery key shown once), use a secret in a
 * request, a second device sees values locked until the first approves it, a third unlocks
 * with the recovery key.
 */
import { describe, expect, it } from 'vitest'
import { device, eventually, hasChromium, screenshot, useApiServer, useDemoSuite } from './harness.ts'
import { addRequest, approveDevice, createCollection, openGlobals, signIn, signUp } from './ui.ts'


const user = { email: 'vera@example.com', password: 'vault password 1', name: 'Vera' }

describe.skipIf(!hasChromium)('demo vault', () => {
  const suite = useDemoSuite()
  const api = useApiServer()

  it('seals values, locks them on a new device until approved, and unlocks with the recovery key', async () => {
    const first = await device(suite.browser)
    await signUp(first.page, suite.relay.url, user)
    await first.page.getByTestId('continue').click()
    await openGlobals(first.page)
    await first.page.getByTestId('vault-setup').click()
    const recoveryKey = (await first.page.getByTestId('recovery-key').textContent()) ?? ''
    expect(recoveryKey.length).toBeGreaterThan(20)
    await screenshot(first.page, 'recovery-key')
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

    await approveDevice(first.page)
    // No click on "Check again": the waiting device notices the approval by itself.
    await eventually(() => second.page.getByTestId('var-value-token').inputValue()).toBe('s3cret-value')

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
  }, 90_000)
})

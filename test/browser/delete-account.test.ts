/**
 * Settings → Delete account: the dialog says what goes; a wrong password is refused with nothing
 * deleted; the right one deletes the account on the relay and this browser forgets it (its
 * databases go, the account menu with it).
 */
import { describe, expect, it, vi } from 'vitest'
import type { Page } from 'playwright-core'
import { device, eventually, hasChromium, screenshot, useDemoSuite } from './harness.ts'
import { createCollection, signUp } from './ui.ts'

// Sign-up, a wrong and a right password: three production-cost password hashes on a busy machine.
vi.setConfig({ testTimeout: 120_000 })

const carol = { email: 'carol-deletes@example.com', password: 'carol password 1', name: 'Carol' }
const databases = (page: Page) => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''))

describe.skipIf(!hasChromium)('demo: deleting the account', () => {
  const suite = useDemoSuite()

  it('lists what goes, refuses a wrong password, and deletes with the right one', async () => {
    const { page, errors } = await device(suite.browser)
    await signUp(page, suite.relay.url, carol)
    await page.getByTestId('continue').click()
    await page.getByTestId('account-menu').waitFor()
    await createCollection(page, 'Orders')
    await eventually(() => page.getByTestId('sync-badge').textContent()).toContain('IN SYNC')
    const user = await suite.relay.stores.users.findUserByEmail(carol.email)
    expect(user).not.toBeNull()
    expect((await databases(page)).some((name) => name.includes(user!.id))).toBe(true)

    await page.getByTestId('account-menu').click()
    await page.getByTestId('open-settings').click()
    await page.getByTestId('settings-delete-account').click()
    const listed = await page.getByTestId('delete-account-list').textContent()
    for (const item of ['collection', 'environments', 'share links', 'vault', 'profile image', 'every session']) expect(listed).toContain(item)
    await screenshot(page, 'delete-account')

    await page.getByTestId('delete-account-password').fill('not carol password')
    await page.getByTestId('delete-account-confirm').click()
    await eventually(() => page.getByRole('alert').filter({ hasText: 'Nothing was deleted' }).count()).toBe(1)
    expect(await suite.relay.stores.users.getUser(user!.id)).not.toBeNull()

    await page.getByTestId('delete-account-password').fill(carol.password)
    await page.getByTestId('delete-account-confirm').click()
    await eventually(() => page.getByTestId('account-menu').count()).toBe(0)
    expect(await suite.relay.stores.users.getUser(user!.id)).toBeNull()
    await eventually(async () => (await databases(page)).some((name) => name.includes(user!.id))).toBe(false)
    expect(errors).toEqual([])
  })
})

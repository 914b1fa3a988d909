/**
 * Several tabs of one browser share one relay socket per account — the multiplexed `/v1/mux`
 * (leader election over the Web Locks API, which Chromium has): a second tab adds no socket,
 * and when the leading tab closes the other takes over and keeps syncing. An account signed in from one tab shows in
 * the account menu of the others without a reload.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { device, eventually, hasChromium, useDemoSuite } from './harness.ts'
import { createCollection, signUp } from './ui.ts'


const badge = (page: Page) => page.getByTestId('sync-badge').textContent()
const collectionNames = (page: Page) => page.locator('[data-collection-row] .label-text').allTextContents()

describe.skipIf(!hasChromium)('demo in several tabs', () => {
  const suite = useDemoSuite()

  it('opens one socket per account for all tabs, and hands over when the leading tab closes', async () => {
    const first = await device(suite.browser)
    await signUp(first.page, suite.relay.url, { email: 'tabs@example.com', password: 'many tabs open', name: 'Tabby' })
    expect(await first.page.evaluate(() => 'locks' in navigator)).toBe(true)
    await first.page.getByTestId('continue').click()
    await createCollection(first.page, 'Opened first')
    await eventually(() => badge(first.page)).toContain('IN SYNC')
    const socketsForOneTab = suite.relay.app.sync.openSockets
    expect(socketsForOneTab).toBe(1)

    const second = await first.context.newPage()
    await second.goto(suite.relay.url)
    await eventually(() => collectionNames(second)).toEqual(['Opened first'])
    await eventually(() => badge(second)).toContain('IN SYNC')
    expect(suite.relay.app.sync.openSockets).toBe(socketsForOneTab)

    await first.page.close()
    await createCollection(second, 'Made after the hand-over')
    await eventually(() => badge(second)).toContain('IN SYNC')
    await eventually(() => suite.relay.app.sync.openSockets).toBe(1)

    const otherDevice = await device(suite.browser)
    await otherDevice.page.goto(`${suite.relay.url}/#/signin`)
    await otherDevice.page.getByTestId('signin-email').fill('tabs@example.com')
    await otherDevice.page.getByTestId('signin-password').fill('many tabs open')
    await otherDevice.page.getByTestId('signin-submit').click()
    await eventually(() => collectionNames(otherDevice.page).then((names) => names.sort())).toEqual(['Made after the hand-over', 'Opened first'])
  })

  it('lists an account signed in from one tab in the account menu of another, which stays on its own', async () => {
    const first = await device(suite.browser)
    await signUp(first.page, suite.relay.url, { email: 'one@example.com', password: 'first tab password', name: 'One' })
    await first.page.getByTestId('continue').click()
    await first.page.getByTestId('account-menu').waitFor()
    const second = await first.context.newPage()
    await second.goto(suite.relay.url)
    await second.getByTestId('account-menu').waitFor()

    await first.page.getByTestId('account-menu').click()
    await first.page.getByTestId('add-account').click()
    await first.page.getByTestId('to-signup').click()
    await signUp(first.page, suite.relay.url, { email: 'two@example.com', password: 'second account pw', name: 'Two' })
    await first.page.getByTestId('continue').click()
    await eventually(() => first.page.getByTestId('account-menu').getAttribute('aria-label')).toContain('Two')

    await second.getByTestId('account-menu').click()
    await second.getByRole('menu').waitFor()
    await eventually(() => second.getByRole('menuitemradio').count()).toBe(2)
    expect(await second.getByTestId('account-two@example.com').count()).toBe(1)
    expect(await second.getByTestId('account-menu').getAttribute('aria-label')).toContain('One')
    expect(first.errors).toEqual([])
  })
})

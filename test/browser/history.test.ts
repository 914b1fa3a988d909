/**
 * A collection's History tab: naming the current state, seeing what changed since a version
 * (which fields of which request), and restoring one request to it — a new edit that reaches
 * the owner's other device, and says it will not while sync is off.
 */
import { describe, expect, it } from 'vitest'
import { device, eventually, hasChromium, screenshot, useDemoSuite } from './harness.ts'
import { addRequest, answerPrompt, confirmDialog, createCollection, signIn, signUp, treeRequest } from './ui.ts'

describe.skipIf(!hasChromium)('demo version history', () => {
  const suite = useDemoSuite()

  it('names a version, shows what changed since and restores a request to it', async () => {
    const laptop = await device(suite.browser)
    const user = { email: 'historian@example.com', password: 'keep every version', name: 'Hal Historian' }
    await signUp(laptop.page, suite.relay.url, user)
    await laptop.page.getByTestId('continue').click()
    await createCollection(laptop.page, 'Orders API')
    await addRequest(laptop.page, 'Orders API', 'List orders', 'https://api.example.com/orders')

    const openHistory = async () => {
      await laptop.page.getByTestId('collection-menu-Orders API').click()
      await laptop.page.getByTestId('collection-settings').click()
      await laptop.page.getByTestId('settings-tab-history').click()
      await laptop.page.getByTestId('history-view').waitFor()
    }
    await openHistory()
    await laptop.page.getByTestId('history-take').click()
    await answerPrompt(laptop.page, 'before v2')
    await eventually(() => laptop.page.getByTestId('history-version').filter({ hasText: 'before v2' }).count()).toBe(1)

    await treeRequest(laptop.page, 'GET', 'List orders').click()
    await laptop.page.getByTestId('url').fill('https://api.example.com/v2/orders')
    await openHistory()
    await laptop.page.getByTestId('history-version').filter({ hasText: 'before v2' }).getByRole('button', { name: '“before v2”' }).click()
    await eventually(() => laptop.page.getByTestId('history-change').textContent()).toContain('changed: url')
    await screenshot(laptop.page, 'history-tab')

    const phone = await device(suite.browser)
    await phone.page.goto(suite.relay.url)
    await signIn(phone.page, user)
    await phone.page.getByRole('treeitem', { name: 'Collection Orders API' }).click()
    await treeRequest(phone.page, 'GET', 'List orders').click()
    await eventually(() => phone.page.getByTestId('url').inputValue()).toBe('https://api.example.com/v2/orders')

    await laptop.page.getByTestId('history-restore-item').click()
    expect(await laptop.page.locator('dialog[open]').textContent()).toContain('It is a new edit: it syncs to your other devices')
    await confirmDialog(laptop.page)
    await eventually(() => laptop.page.getByTestId('history-detail').textContent()).toContain('Nothing changed since.')
    await eventually(() => phone.page.getByTestId('url').inputValue()).toBe('https://api.example.com/orders')

    // With sync off here, a restore promises no other device until sync is back on.
    await laptop.page.getByTestId('sync-badge').click()
    await laptop.page.getByTestId('sync-toggle').click()
    await eventually(() => laptop.page.getByTestId('sync-badge').textContent()).toContain('SYNC OFF')
    await laptop.page.getByTestId('history-restore-all').click()
    const restoreOffline = await laptop.page.locator('dialog[open]').textContent()
    expect(restoreOffline).toContain('It is a new edit: it stays on this device until sync is on again')
    expect(restoreOffline).not.toContain('it syncs to your other devices')
    await laptop.page.keyboard.press('Escape')
    for (const d of [laptop, phone]) {
      expect(d.errors).toEqual([])
      await d.context.close()
    }
  }, 120_000)
})

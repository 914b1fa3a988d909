/**
 * One user on two devices (two browser contexts): edits made on both while offline merge
 * when they reconnect, nothing lost; and a reload with the relay stopped still shows the
 * whole workspace from the device's own storage.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { device, eventually, hasChromium, restartRelay, screenshot, useDemoSuite } from './harness.ts'
import { addRequest, createCollection, signIn, signUp, treeRequest } from './ui.ts'


const user = { email: 'dev@example.com', password: 'two devices 12', name: 'Dev' }
const badge = (page: Page) => page.getByTestId('sync-badge').textContent()

describe.skipIf(!hasChromium)('demo on two devices', () => {
  const suite = useDemoSuite()

  it('merges offline edits of the same request from two devices, then works with the relay gone', async () => {
    const laptop = await device(suite.browser)
    await signUp(laptop.page, suite.relay.url, user)
    await laptop.page.getByTestId('continue').click()
    await createCollection(laptop.page, 'Shared')
    await addRequest(laptop.page, 'Shared', 'Get item', 'https://api.example.com/items/1')
    await laptop.page.getByTestId('req-tab-body').click()
    await laptop.page.getByRole('radiogroup', { name: 'Body type' }).getByText('Raw', { exact: true }).click()
    await laptop.page.getByTestId('body-text').fill('middle')
    await eventually(() => badge(laptop.page)).toContain('IN SYNC')

    const phone = await device(suite.browser)
    await phone.page.goto(suite.relay.url)
    await signIn(phone.page, user)
    await phone.page.getByRole('treeitem', { name: 'Collection Shared' }).click()
    await treeRequest(phone.page, 'GET', 'Get item').click()
    await phone.page.getByTestId('req-tab-body').click()
    await eventually(() => phone.page.getByTestId('body-text').innerText()).toBe('middle')

    // Both devices lose the relay (it stops), edit, and get it back on the same address.
    await suite.relay.close()
    await eventually(() => badge(laptop.page)).toContain('OFFLINE')
    await eventually(() => badge(phone.page)).toContain('OFFLINE')

    // Laptop: renames, types at the start of the body. Phone: new URL, types at the end, adds a header.
    await laptop.page.getByTestId('request-name').fill('Get item (v2)')
    await laptop.page.getByTestId('body-text').click()
    await laptop.page.keyboard.press('Control+Home')
    await laptop.page.keyboard.type('left ')
    await phone.page.getByTestId('url').fill('https://api.example.com/v2/items/1')
    await phone.page.getByTestId('body-text').click()
    await phone.page.keyboard.press('Control+End')
    await phone.page.keyboard.type(' right')
    await phone.page.getByTestId('req-tab-headers').click()
    await phone.page.getByLabel('Key (new row)', { exact: true }).fill('Accept')
    await phone.page.getByLabel('Value 1', { exact: true }).fill('application/json')
    // Each badge counts what changed since the last sync: one request on each device.
    await eventually(() => badge(laptop.page)).toContain('OFFLINE · 1')
    await eventually(() => badge(phone.page)).toContain('OFFLINE · 1')
    await screenshot(phone.page, 'offline')

    suite.relay = await restartRelay(suite.relay)
    for (const { page } of [laptop, phone]) {
      await eventually(() => badge(page)).toContain('IN SYNC')
      await eventually(() => page.getByTestId('request-name').inputValue()).toBe('Get item (v2)')
      await eventually(() => page.getByTestId('url').inputValue()).toBe('https://api.example.com/v2/items/1')
      await page.getByTestId('req-tab-body').click()
      await eventually(() => page.getByTestId('body-text').innerText()).toBe('left middle right')
      await page.getByTestId('req-tab-headers').click()
      await eventually(() => page.getByLabel('Key 1', { exact: true }).inputValue()).toBe('Accept')
    }
    await phone.context.close()

    // The relay goes away again; a reload still shows everything, from this device's storage.
    await suite.relay.close()
    await laptop.page.reload()
    await laptop.page.getByTestId('request-editor').waitFor()
    expect(await laptop.page.getByTestId('request-name').inputValue()).toBe('Get item (v2)')
    await eventually(() => badge(laptop.page)).toContain('OFFLINE')
    await laptop.page.getByTestId('request-name').fill('Edited with the relay down')
    await treeRequest(laptop.page, 'GET', 'Edited with the relay down').waitFor()
    expect(laptop.errors).toEqual([])
    await laptop.context.close()
  }, 90_000)
})

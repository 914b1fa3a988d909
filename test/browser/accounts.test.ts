/**
 * Several accounts in one browser: "Add a new account", switching shows only that account's
 * data, sync off keeps edits on the device until it is turned back on, the profile image
 * shows in the account menu, and signing out wipes that account's local databases only — after
 * saying what the relay does not have yet, with export and "sync first" offered.
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import type { TestRelay } from '../helpers/relay.ts'
import { device, eventually, hasChromium, screenshot, useDemoSuite } from './harness.ts'
import { addRequest, confirmDialog, createCollection, signIn, signUp } from './ui.ts'


const alice = { email: 'alice@example.com', password: 'alice password 1', name: 'Alice' }
const bob = { email: 'bob@example.com', password: 'bob password 1', name: 'Bob' }

const collectionNames = (page: Page) => page.locator('[data-collection-row] .label-text').allTextContents()
const badge = (page: Page) => page.getByTestId('sync-badge').textContent()
const databases = (page: Page) => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''))

async function signUpAndEnter(page: Page, relay: TestRelay, user: typeof alice): Promise<void> {
  await signUp(page, relay.url, user)
  await page.getByTestId('continue').click()
  await page.getByTestId('account-menu').waitFor()
}

async function openAccountMenu(page: Page): Promise<void> {
  await page.getByTestId('account-menu').click()
  await page.getByRole('menu').waitFor()
}

describe.skipIf(!hasChromium)('demo accounts in one browser', () => {
  const suite = useDemoSuite()

  it('switches between accounts, keeps sync off edits local until sync is on, and wipes on sign-out', async () => {
    const { page, errors } = await device(suite.browser)
    await signUpAndEnter(page, suite.relay, alice)
    await createCollection(page, 'Alpha')
    await eventually(() => badge(page)).toContain('IN SYNC')

    await openAccountMenu(page)
    await page.getByTestId('add-account').click()
    await page.getByTestId('to-signup').click()
    await signUpAndEnter(page, suite.relay, bob)
    await eventually(() => collectionNames(page)).toEqual([])
    await createCollection(page, 'Beta')
    expect(await collectionNames(page)).toEqual(['Beta'])

    await openAccountMenu(page)
    expect(await page.getByRole('menuitemradio').count()).toBe(2)
    await screenshot(page, 'account-menu')
    const aliceId = await page.getByTestId(`account-${alice.email}`).getAttribute('data-account-id')
    await page.getByTestId(`account-${alice.email}`).click()
    await eventually(() => collectionNames(page)).toEqual(['Alpha'])
    expect(await page.getByTestId('account-menu').getAttribute('aria-label')).toContain('Alice')

    // Sync off: an edit stays on this device; a second device of Alice does not get it.
    await page.getByTestId('sync-badge').click()
    await page.getByTestId('sync-toggle').click()
    await eventually(() => badge(page)).toContain('SYNC OFF')
    await createCollection(page, 'Made while sync was off')
    const other = await device(suite.browser)
    await other.page.goto(suite.relay.url)
    await signIn(other.page, alice)
    await eventually(() => badge(other.page)).toContain('IN SYNC')
    expect(await collectionNames(other.page)).toEqual(['Alpha'])
    await page.getByTestId('sync-badge').click()
    await page.getByTestId('sync-toggle').click()
    await eventually(() => collectionNames(other.page)).toEqual(['Alpha', 'Made while sync was off'])
    await eventually(() => badge(page)).toContain('IN SYNC')
    await other.context.close()

    // Sign out: Alice's databases go, Bob's stay, and Bob's workspace is shown.
    expect((await databases(page)).some((name) => name.includes(aliceId!))).toBe(true)
    await openAccountMenu(page)
    await page.getByTestId('sign-out').click()
    await confirmDialog(page)
    await eventually(() => collectionNames(page)).toEqual(['Beta'])
    const left = await databases(page)
    expect(left.some((name) => name.includes(aliceId!))).toBe(false)
    expect(left.some((name) => name.endsWith(':docs'))).toBe(true)
    await openAccountMenu(page)
    expect(await page.getByRole('menuitemradio').allTextContents()).toEqual([expect.stringContaining('Bob')])
    await page.keyboard.press('Escape')
    expect(errors).toEqual([])
    await page.context().close()
  }, 90_000)

  it('signing out with sync off names what would be lost, exports it, or syncs first', async () => {
    const carol = { email: 'carol@example.com', password: 'carol password 1', name: 'Carol' }
    const { page, errors } = await device(suite.browser)
    await signUpAndEnter(page, suite.relay, carol)
    await createCollection(page, 'Shop')
    await addRequest(page, 'Shop', 'List orders', 'https://shop.test/orders')
    await addRequest(page, 'Shop', 'Get order', 'https://shop.test/orders/1')
    await eventually(() => badge(page)).toContain('IN SYNC')
    // The mark of the last sync is taken once the docs settle in sync.
    await eventually(() => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('ferry:sync-mark:') && k.includes(':collection:')).length)).toBe(1)
    await page.waitForTimeout(1_500)

    await page.getByTestId('sync-badge').click()
    await page.getByTestId('sync-toggle').click()
    await eventually(() => badge(page)).toContain('SYNC OFF')
    await page.getByTestId('url').fill('https://shop.test/orders/2')
    await addRequest(page, 'Shop', 'Cancel order', 'https://shop.test/orders/2/cancel', 'POST')
    await eventually(() => badge(page)).toContain('SYNC OFF · 2')

    await openAccountMenu(page)
    await page.getByTestId('sign-out').click()
    await eventually(() => page.getByTestId('unsynced-lines').textContent()).toBe('2 requests changed in “Shop”')
    await screenshot(page, 'sign-out-unsynced')
    const download = page.waitForEvent('download')
    await page.getByTestId('export-unsynced').click()
    const file = await download
    expect(file.suggestedFilename()).toBe('Shop.postman_collection.json')
    const exported = JSON.parse(await readFile(await file.path(), 'utf8')) as { item: { name: string }[] }
    expect(exported.item.map((i) => i.name)).toContain('Cancel order')

    await page.getByTestId('sync-then-sign-out').click()
    await eventually(() => page.getByTestId('account-menu').count()).toBe(0)
    // Synced before the sign-out: another device of Carol's has the edits.
    const other = await device(suite.browser)
    await other.page.goto(suite.relay.url)
    await signIn(other.page, carol)
    await other.page.getByRole('treeitem', { name: 'Collection Shop' }).click()
    await eventually(() => other.page.getByRole('treeitem', { name: 'POST Cancel order' }).count()).toBe(1)
    expect(errors).toEqual([])
    await other.context.close()
    await page.context().close()
  }, 90_000)

  it('uploads a profile image and shows it in the account menu', async () => {
    const { page, errors } = await device(suite.browser)
    await signUpAndEnter(page, suite.relay, { email: 'carol@example.com', password: 'carol password 1', name: 'Carol' })
    await openAccountMenu(page)
    await page.getByTestId('open-settings').click()
    const image = await sharp({ create: { width: 96, height: 96, channels: 3, background: '#22aa88' } }).png().toBuffer()
    await page.getByTestId('avatar-file').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: image })
    await page.getByText('Profile image updated').waitFor()
    await page.getByTestId('settings-name').fill('Carol C.')
    await screenshot(page, 'settings')
    await page.getByTestId('settings-save').click()
    await eventually(() => page.getByTestId('account-menu').getAttribute('aria-label')).toContain('Carol C.')
    const avatar = page.getByTestId('account-menu').getByTestId('avatar-img')
    await eventually(() => avatar.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
    expect(errors).toEqual([])
    await page.context().close()
  }, 90_000)
})

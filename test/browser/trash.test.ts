/**
 * The trash in the demo, on two devices (two browser contexts): Delete moves a collection or an
 * environment to the trash with an Undo; the other device lists it in its Trash with when it
 * was deleted and when it goes for good, and restores it (back on both); Delete forever and
 * Empty trash ask first and delete for good.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { device, eventually, hasChromium, screenshot, useDemoSuite } from './harness.ts'
import { addRequest, answerPrompt, confirmDialog, createCollection, signIn, signUp, treeRequest } from './ui.ts'

const user = { email: 'trash@example.com', password: 'trash can 1234', name: 'Tess' }
const collectionRow = (page: Page, name: string) => page.getByRole('treeitem', { name: `Collection ${name}` })
const trashEntry = (page: Page, name: string) => page.getByTestId('trash-entry').filter({ hasText: name })
const badge = (page: Page) => page.getByTestId('sync-badge').textContent()

async function deleteCollection(page: Page, name: string): Promise<void> {
  await page.getByTestId(`collection-menu-${name}`).click()
  await page.getByTestId('delete-collection').click()
}

describe.skipIf(!hasChromium)('the trash in the demo', () => {
  const suite = useDemoSuite()

  it('deletes to the trash with Undo, restores on another device, and deletes for good when asked', async () => {
    const laptop = await device(suite.browser)
    await signUp(laptop.page, suite.relay.url, user)
    await laptop.page.getByTestId('continue').click()
    await createCollection(laptop.page, 'Orders')
    await addRequest(laptop.page, 'Orders', 'List orders', 'https://shop.example/orders')
    await treeRequest(laptop.page, 'GET', 'List orders').waitFor()

    // Delete, then Undo from the toast: back at once.
    await deleteCollection(laptop.page, 'Orders')
    await eventually(() => collectionRow(laptop.page, 'Orders').count()).toBe(0)
    await laptop.page.getByRole('button', { name: 'Undo' }).click()
    await collectionRow(laptop.page, 'Orders').waitFor()

    // Deleted for real this time; the laptop's Trash lists it.
    await deleteCollection(laptop.page, 'Orders')
    await eventually(() => collectionRow(laptop.page, 'Orders').count()).toBe(0)
    await laptop.page.getByTestId('tab-environments').click()
    await laptop.page.getByTestId('new-environment').click()
    await answerPrompt(laptop.page, 'Staging')
    await laptop.page.getByTestId('delete-environment').click()
    await eventually(() => laptop.page.getByTestId('env-Staging').count()).toBe(0)
    await laptop.page.getByTestId('open-trash').click()
    await trashEntry(laptop.page, 'Orders').waitFor()
    await trashEntry(laptop.page, 'Staging').waitFor()
    expect(await trashEntry(laptop.page, 'Orders').getByTestId('trash-when').textContent()).toMatch(/^Collection · deleted just now on .+ · deleted for good on /)
    await eventually(() => badge(laptop.page)).toContain('IN SYNC')
    await screenshot(laptop.page, 'trash')

    // The phone: not in its tree, in its Trash; it restores the collection, on both devices.
    const phone = await device(suite.browser)
    await phone.page.goto(suite.relay.url)
    await signIn(phone.page, user)
    await phone.page.getByTestId('open-trash').click()
    await trashEntry(phone.page, 'Orders').waitFor()
    expect(await collectionRow(phone.page, 'Orders').count()).toBe(0)
    await trashEntry(phone.page, 'Orders').getByTestId('trash-restore').click()
    await collectionRow(phone.page, 'Orders').waitFor()
    await laptop.page.getByTestId('tab-collections').click()
    // It comes back as it was left, maybe expanded: a click would fold it.
    const restored = collectionRow(laptop.page, 'Orders')
    await restored.waitFor()
    if ((await restored.getAttribute('aria-expanded')) !== 'true') await restored.click()
    await treeRequest(laptop.page, 'GET', 'List orders').waitFor()
    await eventually(() => trashEntry(laptop.page, 'Orders').count()).toBe(0)

    // Delete forever asks first; Cancel keeps it, Delete forever takes it off both devices.
    await trashEntry(phone.page, 'Staging').getByTestId('trash-delete').click()
    await phone.page.locator('dialog[open]').getByRole('button', { name: 'Cancel' }).click()
    await trashEntry(phone.page, 'Staging').waitFor()
    await trashEntry(phone.page, 'Staging').getByTestId('trash-delete').click()
    await confirmDialog(phone.page)
    await eventually(() => trashEntry(phone.page, 'Staging').count()).toBe(0)
    await eventually(() => trashEntry(laptop.page, 'Staging').count()).toBe(0)

    // Empty trash asks first, then deletes everything in it for good, on every device.
    await deleteCollection(laptop.page, 'Orders')
    await trashEntry(phone.page, 'Orders').waitFor()
    await phone.page.getByTestId('trash-empty').click()
    await confirmDialog(phone.page)
    await phone.page.getByText('The trash is empty', { exact: true }).waitFor()
    await laptop.page.getByText('The trash is empty', { exact: true }).waitFor()
    await eventually(() => badge(phone.page)).toContain('IN SYNC')
    expect([...laptop.errors, ...phone.errors]).toEqual([])
    await Promise.all([laptop.context.close(), phone.context.close()])
  }, 120_000)

  it('the retention is an account setting chosen in the Trash', async () => {
    const { page, context, errors } = await device(suite.browser)
    await page.goto(suite.relay.url)
    await signIn(page, user)
    await page.getByTestId('open-trash').click()
    await page.getByTestId('trash-retention').selectOption('7')
    await page.getByText('stay here for 7 days', { exact: false }).waitFor()
    await page.reload()
    await page.getByTestId('trash-view').waitFor()
    expect(await page.getByTestId('trash-retention').inputValue()).toBe('7')
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)
})

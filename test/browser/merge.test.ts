/**
 * Typed text merges character by character across two devices of one account (two browser
 * contexts): one device is taken offline (its sockets closed and refused through Playwright's
 * `routeWebSocket`, the browser offline), both edit the same URL, header value and body, and
 * after reconnecting both show every edit. A method set on both shows as a conflict notice
 * with Keep mine / Keep theirs, and so does a variable value (sealed by the vault: shown
 * opened) set on both. Under a remote edit, the local caret in the URL stays next to
 * the characters it was next to; a rename typed in its dialog merges too. The README's conflict and body editor pictures come from here.
 */
import { describe, expect, it } from 'vitest'
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core'
import { device, eventually, hasChromium, screenshot, useDemoSuite } from './harness.ts'
import { addRequest, approveDevice, createCollection, openGlobals, setUpVault, signIn, signUp, treeRequest } from './ui.ts'

const user = { email: 'merge@example.com', password: 'merge devices 12', name: 'Merge' }
const badge = (page: Page) => page.getByTestId('sync-badge').textContent()

/** Lets a context's sockets through until `goOffline`, then closes and refuses them until `goOnline`. */
async function switchableNetwork(context: BrowserContext) {
  const open = new Set<WebSocketRoute>()
  let offline = false
  await context.routeWebSocket(/.*/, (ws) => {
    if (offline) return void ws.close({ code: 1001, reason: 'offline' })
    ws.connectToServer()
    open.add(ws)
  })
  return {
    async goOffline() {
      offline = true
      await context.setOffline(true)
      await Promise.all([...open].map((ws) => ws.close({ code: 1001, reason: 'offline' })))
      open.clear()
    },
    /** The browser's `online` event makes the client reconnect at once. */
    async goOnline() {
      offline = false
      await context.setOffline(false)
    },
  }
}

/** A conflict notice's text (buttons included): "yours" on the device whose value lost, neutral on the other. */
const notice = (what: string, kept: string, lost: string, lostHere: boolean): string =>
  lostHere
    ? `${what} changed to ${kept} on another device; yours was ${lost}.Keep mineKeep theirs`
    : `${what}: ${kept} and ${lost} were set at the same time on two devices; ${kept} was kept.Use ${lost}Keep ${kept}`

/** Where the caret and selection of the URL input are, and whether it has focus. */
const urlCaret = (page: Page) =>
  page.getByTestId('url').evaluate((input: HTMLInputElement) => ({ focused: document.activeElement === input, start: input.selectionStart, end: input.selectionEnd }))

async function typeAt(page: Page, testId: string, index: number, text: string): Promise<void> {
  const input = page.getByTestId(testId)
  await input.click()
  await input.evaluate((el: HTMLInputElement, at) => el.setSelectionRange(at, at), index)
  await page.keyboard.type(text)
}

describe.skipIf(!hasChromium)('typed text merges across devices', () => {
  const suite = useDemoSuite()

  it('merges concurrent edits of one URL, header value and body; shows a lost method as a conflict; keeps the caret under remote edits', async () => {
    const laptop = await device(suite.browser)
    await signUp(laptop.page, suite.relay.url, user)
    await laptop.page.getByTestId('continue').click()
    await createCollection(laptop.page, 'Shared')
    await addRequest(laptop.page, 'Shared', 'Users', 'https://api.test/users')
    await laptop.page.getByTestId('req-tab-headers').click()
    await laptop.page.getByLabel('Key (new row)', { exact: true }).fill('X-Tag')
    await laptop.page.getByLabel('Value 1', { exact: true }).fill('alpha')
    await laptop.page.getByTestId('req-tab-body').click()
    await laptop.page.getByRole('radiogroup', { name: 'Body type' }).getByText('Raw', { exact: true }).click()
    await laptop.page.getByLabel('Body language').selectOption('json')
    await laptop.page.getByTestId('body-text').fill('{"name": "middle"}')
    await eventually(() => badge(laptop.page)).toContain('IN SYNC')

    const phone = await device(suite.browser)
    const network = await switchableNetwork(phone.context)
    await phone.page.goto(suite.relay.url)
    await signIn(phone.page, user)
    await phone.page.getByRole('treeitem', { name: 'Collection Shared' }).click()
    await treeRequest(phone.page, 'GET', 'Users').click()
    await eventually(() => phone.page.getByTestId('url').inputValue()).toBe('https://api.test/users')
    await eventually(() => badge(phone.page)).toContain('IN SYNC')

    await network.goOffline()
    await eventually(() => badge(phone.page)).toContain('OFFLINE')

    // The laptop (online) and the phone (offline) edit the same fields.
    await typeAt(laptop.page, 'url', 'https://api.test/'.length, 'v2/')
    await typeAt(phone.page, 'url', 'https://api.test/users'.length, '?page=2')
    await laptop.page.getByTestId('method').selectOption('POST')
    await phone.page.getByTestId('method').selectOption('PUT')
    for (const [page, key, text] of [[laptop.page, 'End', '-1'], [phone.page, 'Home', 'x-']] as const) {
      await page.getByTestId('req-tab-headers').click()
      await page.getByLabel('Value 1', { exact: true }).click()
      await page.keyboard.press(key)
      await page.keyboard.type(text)
    }
    for (const [page, key, text] of [[laptop.page, 'Control+Home', '['], [phone.page, 'Control+End', ']']] as const) {
      await page.getByTestId('req-tab-body').click()
      await page.getByTestId('body-text').click()
      await page.keyboard.press(key)
      await page.keyboard.type(text)
    }
    await eventually(() => badge(laptop.page)).toContain('IN SYNC')

    await network.goOnline()
    for (const { page } of [laptop, phone]) {
      await eventually(() => badge(page)).toContain('IN SYNC')
      await eventually(() => page.getByTestId('url').inputValue()).toBe('https://api.test/v2/users?page=2')
      await eventually(() => page.getByTestId('body-text').innerText()).toBe('[{"name": "middle"}]')
      await page.getByTestId('req-tab-headers').click()
      await eventually(() => page.getByLabel('Value 1', { exact: true }).inputValue()).toBe('x-alpha-1')
      await page.getByTestId('req-tab-params').click()
      await eventually(() => page.getByLabel('Key 1', { exact: true }).inputValue()).toBe('page')
    }

    // One method won on both; the other is offered back on both.
    const method = await laptop.page.getByTestId('method').inputValue()
    expect(['POST', 'PUT']).toContain(method)
    expect(await phone.page.getByTestId('method').inputValue()).toBe(method)
    const lost = method === 'POST' ? 'PUT' : 'POST'
    const loser = lost === 'POST' ? laptop : phone
    for (const d of [laptop, phone]) {
      await eventually(() => d.page.getByTestId('conflict').first().textContent()).toBe(notice('Method', method, lost, d === loser))
    }
    await screenshot(loser.page.locator('.request > div').first(), 'conflict')
    await laptop.page.getByTestId('keep-mine').click()
    for (const { page } of [laptop, phone]) {
      await eventually(() => page.getByTestId('method').inputValue()).toBe(lost)
      await eventually(() => page.getByTestId('conflict').count()).toBe(0)
    }

    // The laptop's caret sits after "v2/" with its URL focused; the phone types before and after it.
    await typeAt(laptop.page, 'url', 'https://api.test/v2/'.length, '')
    expect(await urlCaret(laptop.page)).toEqual({ focused: true, start: 20, end: 20 })
    await typeAt(phone.page, 'url', 'https://'.length, 'staging.')
    await eventually(() => laptop.page.getByTestId('url').inputValue()).toBe('https://staging.api.test/v2/users?page=2')
    expect(await urlCaret(laptop.page)).toEqual({ focused: true, start: 28, end: 28 })
    await phone.page.keyboard.press('End')
    await phone.page.keyboard.press('Backspace')
    await eventually(() => laptop.page.getByTestId('url').inputValue()).toBe('https://staging.api.test/v2/users?page=')
    expect(await urlCaret(laptop.page)).toEqual({ focused: true, start: 28, end: 28 })
    await laptop.page.keyboard.type('beta/')
    await eventually(() => phone.page.getByTestId('url').inputValue()).toBe('https://staging.api.test/v2/beta/users?page=')

    // The body editor for the README: JSON highlighting and a {{variable}}, as the phone sees it.
    await laptop.page.getByTestId('req-tab-body').click()
    await laptop.page.getByTestId('body-text').fill('{\n  "id": "{{petId}}",\n  "name": "Rex",\n  "tags": ["good", "dog"],\n  "age": 3,\n  "vaccinated": true\n}')
    await phone.page.getByTestId('req-tab-body').click()
    await eventually(() => phone.page.getByTestId('body-text').innerText()).toContain('"vaccinated": true')
    expect(await phone.page.locator('.cm-variable').textContent()).toBe('{{petId}}')
    await screenshot(phone.page.locator('.code-editor'), 'body-editor')
    expect(laptop.errors).toEqual([])
    expect(phone.errors).toEqual([])
    await Promise.all([laptop.context.close(), phone.context.close()])
  }, 120_000)

  it('shows a variable value set on both devices at once, opened, and puts the lost one back on request', async () => {
    const vera = { email: 'values@example.com', password: 'merge values 12', name: 'Vera' }
    const laptop = await device(suite.browser)
    await signUp(laptop.page, suite.relay.url, vera)
    await laptop.page.getByTestId('continue').click()
    await openGlobals(laptop.page)
    await setUpVault(laptop.page)
    await laptop.page.getByTestId('new-var-key').fill('host')
    await laptop.page.getByLabel('Value of host', { exact: true }).fill('one.example')
    await laptop.page.getByLabel('Value of host', { exact: true }).press('Tab')
    await eventually(() => badge(laptop.page)).toContain('IN SYNC')

    const phone = await device(suite.browser)
    const network = await switchableNetwork(phone.context)
    await phone.page.goto(suite.relay.url)
    await signIn(phone.page, vera)
    await openGlobals(phone.page)
    await eventually(() => phone.page.getByTestId('vault-notice').textContent()).toContain('cannot read variable values yet')
    await approveDevice(laptop.page)
    await eventually(() => phone.page.getByTestId('var-value-host').inputValue()).toBe('one.example')
    await eventually(() => badge(phone.page)).toContain('IN SYNC')

    await network.goOffline()
    await eventually(() => badge(phone.page)).toContain('OFFLINE')
    for (const [page, value] of [[laptop.page, 'laptop.example'], [phone.page, 'phone.example']] as const) {
      await page.getByTestId('var-value-host').fill(value)
      await page.getByTestId('var-value-host').press('Tab')
    }
    await eventually(() => badge(laptop.page)).toContain('IN SYNC')
    await network.goOnline()

    const values = () => Promise.all([laptop, phone].map(({ page }) => page.getByTestId('var-value-host').inputValue()))
    await eventually(async () => new Set(await values()).size).toBe(1)
    const [kept] = await values()
    const lost = kept === 'laptop.example' ? 'phone.example' : 'laptop.example'
    const loser = lost === 'laptop.example' ? laptop : phone
    for (const d of [laptop, phone]) {
      await eventually(() => d.page.getByTestId('conflict').first().textContent()).toBe(notice('Value of host', kept!, lost, d === loser))
    }
    await screenshot(loser.page.locator('.pane'), 'value-conflict')
    await phone.page.getByTestId('keep-mine').click()
    for (const { page } of [laptop, phone]) {
      await eventually(() => page.getByTestId('var-value-host').inputValue()).toBe(lost)
      await eventually(() => page.getByTestId('conflict').count()).toBe(0)
    }
    expect(laptop.errors).toEqual([])
    expect(phone.errors).toEqual([])
    await Promise.all([laptop.context.close(), phone.context.close()])
  }, 120_000)

  it('shows a variable’s enabled flag and secret mark set on both devices at once in its environment', async () => {
    const flo = { email: 'flags@example.com', password: 'merge flags 12', name: 'Flo' }
    const laptop = await device(suite.browser)
    await signUp(laptop.page, suite.relay.url, flo)
    await laptop.page.getByTestId('continue').click()
    await openGlobals(laptop.page)
    await laptop.page.getByTestId('new-var-key').fill('region')
    await eventually(() => badge(laptop.page)).toContain('IN SYNC')

    const phone = await device(suite.browser)
    const network = await switchableNetwork(phone.context)
    await phone.page.goto(suite.relay.url)
    await signIn(phone.page, flo)
    await openGlobals(phone.page)
    await eventually(() => phone.page.getByLabel('Variable name', { exact: true }).inputValue()).toBe('region')
    await eventually(() => badge(phone.page)).toContain('IN SYNC')

    await network.goOffline()
    await eventually(() => badge(phone.page)).toContain('OFFLINE')
    const check = (page: Page) => page.getByLabel('Enable region', { exact: true })
    // The laptop turns it off and marks it secret; the phone turns it off and on again and marks it secret and plain again.
    await check(laptop.page).uncheck()
    await laptop.page.getByTestId('secret-region').click()
    await check(phone.page).uncheck()
    await check(phone.page).check()
    await phone.page.getByTestId('secret-region').click()
    await phone.page.getByTestId('secret-region').click()
    await eventually(() => badge(laptop.page)).toContain('IN SYNC')
    await network.goOnline()

    for (const { page } of [laptop, phone]) {
      await eventually(async () => (await page.getByTestId('conflict').allTextContents()).map((t) => t.split(/[:]| changed/)[0]).sort()).toEqual(['Enabled flag of region', 'Secret mark of region'])
    }
    await screenshot(laptop.page.locator('.pane'), 'flag-conflicts')
    for (const { page } of [laptop, phone]) {
      await page.getByTestId('keep-theirs').first().click()
      await eventually(() => page.getByTestId('conflict').count()).toBe(page === phone.page ? 0 : 1)
    }
    expect(laptop.errors).toEqual([])
    expect(phone.errors).toEqual([])
    await Promise.all([laptop.context.close(), phone.context.close()])
  }, 120_000)

  it('a rename typed in the dialog merges with one made meanwhile on another device; Cancel takes back only what was typed there', async () => {
    const rita = { email: 'rename@example.com', password: 'merge rename 12', name: 'Rita' }
    const laptop = await device(suite.browser)
    await signUp(laptop.page, suite.relay.url, rita)
    await laptop.page.getByTestId('continue').click()
    await createCollection(laptop.page, 'Shared')
    const phone = await device(suite.browser)
    await phone.page.goto(suite.relay.url)
    await signIn(phone.page, rita)
    await phone.page.getByRole('treeitem', { name: 'Collection Shared' }).waitFor()

    const openRename = async (page: Page) => {
      // The one collection's menu, whatever its name reads at that moment (renames show live).
      await page.locator('[data-testid^="collection-menu-"]').click()
      await page.getByRole('menuitem', { name: 'Rename' }).click()
      const input = page.locator('dialog[open] #prompt-input')
      await input.press('End')
      return input
    }
    const laptopInput = await openRename(laptop.page)
    await laptop.page.keyboard.type(' API')
    const phoneInput = await openRename(phone.page)
    await phoneInput.press('Home')
    await phone.page.keyboard.type('My ')
    await phone.page.locator('dialog[open] button[type=submit]').click()
    await eventually(() => laptopInput.inputValue()).toBe('My Shared API')
    await laptop.page.locator('dialog[open] button[type=submit]').click()
    for (const { page } of [laptop, phone]) await page.getByRole('treeitem', { name: 'Collection My Shared API' }).waitFor()

    await openRename(laptop.page)
    await laptop.page.keyboard.type(' v2')
    await phone.page.getByRole('treeitem', { name: 'Collection My Shared API v2' }).waitFor()
    await laptop.page.keyboard.press('Escape')
    for (const { page } of [laptop, phone]) await page.getByRole('treeitem', { name: 'Collection My Shared API' }).waitFor()
    expect(laptop.errors).toEqual([])
    expect(phone.errors).toEqual([])
    await Promise.all([laptop.context.close(), phone.context.close()])
  }, 60_000)
})

/**
 * Issue 15's account backup test, in the demo, on files and on PostgreSQL: an account on one
 * relay (collections and requests, an environment with a secret, a header preset, a history
 * entry) is downloaded from Settings; a new account on a fresh relay, which has a collection of
 * its own, restores the file with the recovery key — and the demo shows the same workspace,
 * the secret readable, next to what was there.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import type { TestRelay } from '../helpers/relay.ts'
import { demoBuild, device, eventually, hasChromium, launchChromium, screenshot, startDemoRelay, useApiServer } from './harness.ts'
import { addRequest, answerPrompt, createCollection, setUpVault, signUp, treeRequest } from './ui.ts'

const SECRET = 'backup-s3cret-token-42'

async function openSettings(page: Page): Promise<void> {
  await page.getByTestId('account-menu').click()
  await page.getByTestId('open-settings').click()
}

async function openEnvironment(page: Page, name: string): Promise<void> {
  await page.getByTestId('tab-environments').click()
  await page.getByTestId(`env-${name}`).click()
}

describe.skipIf(!hasChromium)('demo account backup', () => {
  const api = useApiServer()
  let browser: Browser
  beforeAll(async () => {
    browser = await launchChromium()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
  })

  it.each(RELAY_BACKENDS)('backs up an account and restores it into a new account on a fresh relay ($name)', async (backend) => {
    if (backend.skip) return
    const setups = [await backend.env(), await backend.env()]
    const relays: TestRelay[] = []
    try {
      for (const setup of setups) relays.push(await startDemoRelay(demoBuild(), setup.env))
      const [a, b] = relays as [TestRelay, TestRelay]

      const laptop = await device(browser)
      const page = laptop.page
      await signUp(page, a.url, { email: `ada-${backend.name}@example.com`, password: 'back me up please', name: 'Ada' })
      await page.getByTestId('continue').click()
      await createCollection(page, 'Pets API')
      await addRequest(page, 'Pets API', 'List pets', `${api.url}/pets`)
      await page.getByTestId('req-tab-headers').click()
      await page.getByLabel('Key (new row)', { exact: true }).fill('Accept')
      await page.getByLabel('Value 1', { exact: true }).fill('application/json')
      await page.getByTestId('header-presets').click()
      await page.getByRole('menuitem', { name: 'Save these headers as a preset…' }).click()
      await answerPrompt(page, 'JSON API')
      await page.getByTestId('send').click()
      await eventually(() => page.getByTestId('response-status').textContent()).toContain('200')

      await page.getByTestId('tab-environments').click()
      await page.getByTestId('new-environment').click()
      await answerPrompt(page, 'Prod')
      const recoveryKey = await setUpVault(page)
      await page.getByTestId('new-var-key').fill('token')
      await page.getByLabel('Value of token', { exact: true }).fill(SECRET)
      await page.getByTestId('secret-token').click()
      await page.getByLabel('Value of token', { exact: true }).press('Tab')
      await eventually(() => page.getByTestId('sync-badge').textContent()).toContain('IN SYNC')

      await openSettings(page)
      if (backend.name === 'files') await screenshot(page.locator('dialog[open]'), 'settings-backup')
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('backup-download').click()])
      expect(download.suggestedFilename()).toMatch(new RegExp(`^ferry-backup-ada-${backend.name}@example\\.com-\\d{4}-\\d\\d-\\d\\d\\.json$`))
      // Read now: the download goes with its browser context.
      const text = readFileSync(await download.path(), 'utf8')
      const file = { name: download.suggestedFilename(), mimeType: 'application/json', buffer: Buffer.from(text) }
      expect(text).toContain('"format":"ferry-account-backup"')
      expect(text).not.toContain(SECRET)
      expect(laptop.errors).toEqual([])
      await laptop.context.close()

      const fresh = await device(browser)
      const other = fresh.page
      await signUp(other, b.url, { email: `bo-${backend.name}@example.com`, password: 'a fresh relay pass', name: 'Bo' })
      await other.getByTestId('continue').click()
      await createCollection(other, 'Mine')
      await other.getByTestId('tab-environments').click()
      await other.getByRole('link', { name: /Globals/ }).click()
      await setUpVault(other)

      await openSettings(other)
      await other.getByTestId('backup-file').setInputFiles(file)
      await other.getByTestId('backup-recovery-key').fill('not a recovery key')
      await other.getByTestId('backup-restore-with-key').click()
      await other.locator('dialog[open] .alert').filter({ hasText: /recovery key/i }).waitFor()
      await other.getByTestId('backup-recovery-key').fill(recoveryKey)
      await other.getByTestId('backup-restore-with-key').click()
      const report = other.getByTestId('backup-report')
      await eventually(() => report.textContent()).toContain(`Merged 4 documents from the backup of ada-${backend.name}@example.com`)
      expect(await report.textContent()).toContain('1 variable value restored, encrypted for this account.')
      if (backend.name === 'files') await screenshot(other.locator('dialog[open]').last(), 'backup-restored')
      await report.getByRole('button', { name: 'Close' }).click()
      await other.keyboard.press('Escape')

      // The same workspace, beside what Bo had, and still after a reload (stored on the device).
      await eventually(() => other.getByTestId('sync-badge').textContent()).toContain('IN SYNC')
      await other.reload()
      await other.getByTestId('tab-collections').click()
      await other.getByRole('treeitem', { name: 'Collection Mine' }).waitFor()
      await other.getByRole('treeitem', { name: 'Collection Pets API' }).click()
      await treeRequest(other, 'GET', 'List pets').click()
      await eventually(() => other.getByTestId('url').inputValue()).toBe(`${api.url}/pets`)
      await other.getByTestId('req-tab-headers').click()
      await other.getByTestId('header-presets').click()
      await other.getByRole('menuitem', { name: /JSON API/ }).waitFor()
      await other.keyboard.press('Escape')
      await other.getByTestId('tab-history').click()
      await eventually(() => other.getByTestId('history-row').count()).toBe(1)
      expect(await other.getByTestId('history-row').textContent()).toContain('/pets')
      await openEnvironment(other, 'Prod')
      await eventually(() => other.getByTestId('var-value-token').inputValue()).toBe(SECRET)
      expect(fresh.errors).toEqual([])
      await fresh.context.close()
    } finally {
      for (const relay of relays) await relay.close(true)
      for (const setup of setups) await setup.cleanup()
    }
  }, 240_000)
})

/**
 * Duplicating and moving requests in the sidebar: "Duplicate", "Move to…" another collection,
 * dragging a request onto another collection, and a move that a closed tab left half done
 * (its journal entry written, the move not) completed on the next start.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { device, eventually, hasChromium, screenshot, useDemoSuite } from './harness.ts'
import { addRequest, createCollection, treeRequest, useLocally } from './ui.ts'

/** The request names shown under a collection (opened). */
async function requestsIn(page: Page, collection: string): Promise<string[]> {
  const id = await page.getByRole('treeitem', { name: `Collection ${collection}` }).getAttribute('data-row-id')
  return page.locator(`[data-collection-body="${id}"] [role=treeitem]`).evaluateAll((rows) => rows.map((r) => r.querySelector('.label-text')?.textContent ?? ''))
}

async function openCollection(page: Page, name: string): Promise<void> {
  const row = page.getByRole('treeitem', { name: `Collection ${name}` })
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click()
}

describe.skipIf(!hasChromium)('demo: duplicate and move requests', () => {
  const suite = useDemoSuite()

  it('duplicates a request, moves one with "Move to…", drags one onto another collection, and finishes a half-done move after a restart', async () => {
    const { page, errors } = await device(suite.browser)
    await useLocally(page, suite.relay.url)
    await createCollection(page, 'Alpha')
    await createCollection(page, 'Beta')
    await addRequest(page, 'Alpha', 'One', 'https://api.test/one', 'PUT')
    await addRequest(page, 'Alpha', 'Two', 'https://api.test/two')
    await addRequest(page, 'Alpha', 'Three', 'https://api.test/three')
    await openCollection(page, 'Beta')

    await treeRequest(page, 'PUT', 'One').hover()
    await page.getByTestId('item-menu-One').click()
    await page.getByTestId('duplicate-item').click()
    await eventually(() => requestsIn(page, 'Alpha')).toEqual(['One', 'One copy', 'Two', 'Three'])
    // The copy opens, with the original's content.
    await eventually(() => page.getByTestId('request-name').inputValue()).toBe('One copy')
    expect(await page.getByTestId('url').inputValue()).toBe('https://api.test/one')
    expect(await page.getByTestId('method').inputValue()).toBe('PUT')

    await treeRequest(page, 'GET', 'Two').hover()
    await page.getByTestId('item-menu-Two').click()
    await page.getByTestId('move-item').click()
    await page.getByTestId('move-collection').selectOption({ label: 'Beta' })
    await screenshot(page, 'move-dialog')
    await page.getByTestId('move-submit').click()
    await eventually(() => requestsIn(page, 'Beta')).toEqual(['Two'])
    expect(await requestsIn(page, 'Alpha')).toEqual(['One', 'One copy', 'Three'])

    await treeRequest(page, 'PUT', 'One copy').dragTo(page.getByRole('treeitem', { name: 'Collection Beta' }))
    await eventually(() => requestsIn(page, 'Beta')).toEqual(['Two', 'One copy'])
    expect(await requestsIn(page, 'Alpha')).toEqual(['One', 'Three'])
    // The moved request was open: the editor follows it to its new place.
    await eventually(() => page.getByTestId('request-name').inputValue()).toBe('One copy')
    await treeRequest(page, 'PUT', 'One copy').click()
    expect(await page.getByTestId('url').inputValue()).toBe('https://api.test/one')

    // A tab that wrote its move plan and closed before either write: the next start completes it.
    const alpha = await page.getByRole('treeitem', { name: 'Collection Alpha' }).getAttribute('data-row-id')
    const beta = await page.getByRole('treeitem', { name: 'Collection Beta' }).getAttribute('data-row-id')
    const three = await treeRequest(page, 'GET', 'Three').getAttribute('data-row-id')
    const journalKey = await page.evaluate(() => `ferry:moves:${Object.keys(localStorage).find((k) => k.startsWith('ferry:expanded:'))!.slice('ferry:expanded:'.length)}`)
    await page.evaluate(({ key, alpha, beta, three }) => localStorage.setItem(key, JSON.stringify([{
      sourceId: alpha, targetId: beta,
      move: { itemId: three, copyId: 'journaled-copy-1', input: { kind: 'request', name: 'Three', method: 'GET', url: 'https://api.test/three' }, place: { parentId: null } },
    }])), { key: journalKey, alpha, beta, three })
    await page.reload()
    await openCollection(page, 'Alpha')
    await eventually(() => requestsIn(page, 'Beta')).toEqual(['Two', 'One copy', 'Three'])
    expect(await requestsIn(page, 'Alpha')).toEqual(['One'])
    // Written on that start, so kept once more; the start after finds it complete and forgets it.
    expect(await page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '[]').length, journalKey)).toBe(1)
    await page.reload()
    await page.getByRole('treeitem', { name: 'Collection Beta' }).waitFor()
    await eventually(() => page.evaluate((key) => localStorage.getItem(key), journalKey)).toBeNull()
    await openCollection(page, 'Beta')
    expect(await requestsIn(page, 'Beta')).toEqual(['Two', 'One copy', 'Three'])
    expect(errors).toEqual([])
    await page.context().close()
  }, 90_000)
})

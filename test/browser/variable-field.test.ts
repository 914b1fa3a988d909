/**
 * `{{variable}}` references coloured in plain inputs (the URL bar, key/value cells): resolved
 * ones apart from unknown ones, in step with typing and with a long URL's scroll, re-resolved
 * when the active environment changes, and the value (never a secret's) on hover.
 */
import { describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { device, eventually, hasChromium, screenshot, useDemoSuite } from './harness.ts'
import { addRequest, answerPrompt, createCollection, useLocally } from './ui.ts'

/** The marked references in the field of `input`: each one's text and state class. */
const marks = (input: Locator) => input.evaluate((el) => [...(el.parentElement?.querySelectorAll('.var-mirror .var-ref') ?? [])].map((span) => `${span.textContent} ${span.className}`))

/** What the mirror shows, character for character (it must be the input's text). */
const mirrored = (input: Locator) => input.evaluate((el) => el.parentElement?.querySelector('.var-mirror')?.textContent)

async function defineGlobal(page: Page, key: string, value: string, secret = false): Promise<void> {
  await page.getByTestId('new-var-key').fill(key)
  await page.getByLabel(`Value of ${key}`, { exact: true }).fill(value)
  if (secret) await page.getByTestId(`secret-${key}`).click()
}

describe.skipIf(!hasChromium)('{{variable}} highlighting in plain inputs', () => {
  const suite = useDemoSuite()

  it('colours known and unknown references in the URL and the cells, in step with typing and scrolling', async () => {
    const { page, errors } = await device(suite.browser)
    await useLocally(page, suite.relay.url)
    await page.getByTestId('tab-environments').click()
    await page.getByRole('link', { name: /Globals/ }).click()
    await defineGlobal(page, 'host', 'https://api.test')
    await defineGlobal(page, 'key', 'k-123', true)
    // {{region}} is defined only in an environment that is not active yet.
    await page.getByTestId('new-environment').click()
    await answerPrompt(page, 'Staging')
    await defineGlobal(page, 'region', 'eu')

    await createCollection(page, 'Marks')
    await addRequest(page, 'Marks', 'Marked', '{{host}}/items')
    const url = page.getByTestId('url')
    await eventually(() => marks(url)).toEqual(['{{host}} var-ref var-value'])

    // Typed at the end: the mirror follows keystroke by keystroke, an unknown name apart.
    await url.press('End')
    await url.pressSequentially('/{{nope}}?api={{key}}&r={{region}}')
    expect(await mirrored(url)).toBe(await url.inputValue())
    await eventually(() => marks(url)).toEqual(['{{host}} var-ref var-value', '{{nope}} var-ref var-undefined', '{{key}} var-ref var-secret', '{{region}} var-ref var-undefined'])
    const colour = (name: string) => url.evaluate((el, n) => getComputedStyle(el.parentElement!.querySelector(`[data-variable="${n}"]`)!).color, name)
    expect(await colour('host')).not.toBe(await colour('nope'))
    // The input's own glyphs are hidden under the mirror; its caret is not.
    expect(await url.evaluate((el) => getComputedStyle(el).color)).toBe('rgba(0, 0, 0, 0)')

    // The query became param rows: their cells are marked too.
    await page.getByLabel('Value 1', { exact: true }).waitFor()
    await eventually(() => marks(page.getByLabel('Value 1', { exact: true }))).toEqual(['{{key}} var-ref var-secret'])

    // Activating the environment resolves {{region}} in place.
    await page.getByTestId('env-picker').selectOption({ label: 'Staging' })
    await eventually(() => marks(url)).toContain('{{region}} var-ref var-value')

    // On hover: each value, a secret's never.
    await url.hover()
    await eventually(() => url.getAttribute('title')).toBe([
      '{{host}} = https://api.test',
      '{{nope}} is not defined in the collection, the active environment or globals',
      '{{key}} is a secret value (hidden here; sent as is)',
      '{{region}} = eu',
    ].join('\n'))
    // The code editors mark the same way, with their own tooltip (for the screenshot: both at once).
    await page.getByTestId('req-tab-body').click()
    await page.getByRole('radiogroup', { name: 'Body type' }).getByText('Raw', { exact: true }).click()
    await page.getByTestId('body-text').fill('{"region": "{{region}}"}')
    await page.locator('.cm-variable', { hasText: '{{region}}' }).hover()
    await eventually(() => page.getByTestId('variable-tip').textContent()).toBe('{{region}} = eu')
    await screenshot(page, 'variable-highlight')

    // A URL longer than the bar scrolls: the marks scroll with it and stay over their text.
    await url.press('End')
    await url.pressSequentially(`&pad=${'x'.repeat(160)}{{host}}`)
    expect(await url.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0)
    const [field, last] = await url.evaluate((el) => [el.getBoundingClientRect(), [...el.parentElement!.querySelectorAll('[data-variable="host"]')].at(-1)!.getBoundingClientRect()].map((r) => ({ left: r.left, right: r.right })))
    expect(last!.left).toBeGreaterThan(field!.left)
    expect(last!.right).toBeLessThanOrEqual(field!.right)
    // Back to the start (a scroll with no input event): the first mark sits at the bar's padding again.
    await url.press('Home')
    await eventually(() => url.evaluate((el) => Math.round(el.parentElement!.querySelector('[data-variable="host"]')!.getBoundingClientRect().left - el.getBoundingClientRect().left))).toBe(10)
    expect(errors).toEqual([])
    await page.context().close()
  }, 90_000)
})

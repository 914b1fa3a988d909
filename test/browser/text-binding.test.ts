/**
 * The demo's text binding (demo/src/ui/text-binding.ts) in Chromium, on a real focused
 * `<input>` and `<textarea>`: a remote edit keeps the local caret and selection next to the
 * characters they were next to, and what the user types lands in the `Y.Text` where typed.
 * "Remote" is a second Y.Doc whose updates are applied to the bound one, as the sync does.
 */
import { join, resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundlePage, hasChromium, launchChromium } from './harness.ts'

const root = resolve(import.meta.dirname, '../..')

interface Edit {
  at: number
  remove?: number
  insert?: string
}

interface Selection {
  value: string
  start: number
  end: number
}

/**
 * Opens a blank page with one field bound to a text that reads `initial`, focused with the
 * given selection. `remote(edit)` makes `edit` on another replica and applies it here.
 */
async function boundField(page: Page, script: string, tag: 'input' | 'textarea', initial: string, start: number, end = start) {
  await page.setContent(`<${tag} id="field"></${tag}>`)
  await page.addScriptTag({ content: script })
  await page.evaluate(({ initial, start, end }) => {
    const { Y, bindText } = (window as unknown as { TextBinding: typeof import('./pages/text-binding-page.ts') }).TextBinding
    const local = new Y.Doc()
    const other = new Y.Doc()
    local.getText('t').insert(0, initial)
    Y.applyUpdate(other, Y.encodeStateAsUpdate(local))
    const field = document.getElementById('field') as HTMLInputElement | HTMLTextAreaElement
    bindText(field, local.getText('t'))
    field.focus()
    field.setSelectionRange(start, end)
    Object.assign(window, {
      local,
      remote: (edits: Edit[]) => {
        const text = other.getText('t')
        other.transact(() => {
          for (const edit of edits) {
            if (edit.remove) text.delete(edit.at, edit.remove)
            if (edit.insert) text.insert(edit.at, edit.insert)
          }
        })
        Y.applyUpdate(local, Y.encodeStateAsUpdate(other, Y.encodeStateVector(local)))
      },
    })
  }, { initial, start, end })
  const read = () =>
    page.evaluate((): Selection => {
      const field = document.getElementById('field') as HTMLInputElement
      return { value: field.value, start: field.selectionStart ?? -1, end: field.selectionEnd ?? -1 }
    })
  /** Makes `edits` (in order, in one transaction) on the other replica and syncs them here. */
  const remote = async (...edits: Edit[]): Promise<Selection> => {
    await page.evaluate((e) => (window as unknown as { remote: (edits: Edit[]) => void }).remote(e), edits)
    return read()
  }
  const text = () => page.evaluate(() => (window as unknown as { local: { getText(n: string): { toString(): string } } }).local.getText('t').toString())
  return { remote, read, text }
}

describe.skipIf(!hasChromium)('text binding (Chromium)', () => {
  let browser: Browser
  let page: Page
  let script: string
  beforeAll(async () => {
    ;[browser, script] = await Promise.all([launchChromium(), bundlePage(join(root, 'test/browser/pages/text-binding-page.ts'), 'TextBinding')])
    page = await browser.newPage()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
  })

  const url = 'https://api.test/users'
  const caret = url.indexOf('users') // https://api.test/|users

  for (const tag of ['input', 'textarea'] as const) {
    describe(`<${tag}>`, () => {
      it('a remote insert before the caret shifts it right', async () => {
        const field = await boundField(page, script, tag, url, caret)
        expect(await field.remote({ at: 8, insert: 'v2.' })).toEqual({ value: 'https://v2.api.test/users', start: caret + 3, end: caret + 3 })
      })

      it('a remote insert right at the caret stays ahead of it', async () => {
        const field = await boundField(page, script, tag, url, caret)
        expect(await field.remote({ at: caret, insert: 'v2/' })).toEqual({ value: 'https://api.test/v2/users', start: caret, end: caret })
      })

      it('a remote delete of a range preceding the caret moves it left by the range', async () => {
        const field = await boundField(page, script, tag, url, caret)
        expect(await field.remote({ at: 8, remove: 4 })).toEqual({ value: 'https://test/users', start: caret - 4, end: caret - 4 })
      })

      it('a remote delete of a range containing the caret puts it where the range was', async () => {
        const field = await boundField(page, script, tag, url, caret + 2)
        expect(await field.remote({ at: caret - 5, remove: 9 })).toEqual({ value: 'https://api.s', start: caret - 5, end: caret - 5 })
      })

      it('one remote change that deletes before the caret and inserts after it moves it by the delete only', async () => {
        const field = await boundField(page, script, tag, url, caret)
        expect(await field.remote({ at: 0, remove: 8 }, { at: 14, insert: '/v2' })).toEqual({ value: 'api.test/users/v2', start: caret - 8, end: caret - 8 })
      })

      it('a remote edit after the caret leaves it', async () => {
        const field = await boundField(page, script, tag, url, caret)
        expect(await field.remote({ at: url.length, insert: '?page=2' })).toEqual({ value: `${url}?page=2`, start: caret, end: caret })
        expect(await field.remote({ at: caret + 1, remove: 3 })).toEqual({ value: 'https://api.test/us?page=2', start: caret, end: caret })
      })

      it('a selection keeps its characters: edits before shift it, edits inside resize it, inserts at its edges stay out', async () => {
        const field = await boundField(page, script, tag, url, caret, caret + 5) // selects "users"
        expect(await field.remote({ at: 0, remove: 8 })).toEqual({ value: 'api.test/users', start: caret - 8, end: caret - 3 })
        expect(await field.remote({ at: caret - 7, insert: 'X' })).toEqual({ value: 'api.test/uXsers', start: caret - 8, end: caret - 2 })
        expect(await field.remote({ at: caret - 8, insert: '<' })).toEqual({ value: 'api.test/<uXsers', start: caret - 7, end: caret - 1 })
        expect(await field.remote({ at: caret - 1, insert: '>' })).toEqual({ value: 'api.test/<uXsers>', start: caret - 7, end: caret - 1 })
      })

      it('typing goes into the text where typed, next to a remote edit', async () => {
        const field = await boundField(page, script, tag, url, caret)
        await page.keyboard.type('v2/')
        await field.remote({ at: url.length + 3, insert: '?page=2' })
        await page.keyboard.press('Backspace')
        await page.keyboard.type('/')
        expect(await field.text()).toBe('https://api.test/v2/users?page=2')
        expect(await field.read()).toEqual({ value: 'https://api.test/v2/users?page=2', start: caret + 3, end: caret + 3 })
      })
    })
  }
})

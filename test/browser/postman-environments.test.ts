/**
 * Postman environments and globals in the demo: import an environment file with a secret and
 * a globals file (values sealed by the vault), see them in the environment view (the secret
 * masked), export with and without secret values, and import again: asked whether to update.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { device, eventually, hasChromium, screenshot, useDemoSuite } from './harness.ts'
import { openGlobals, setUpVault, signUp } from './ui.ts'

const fixtures = join(import.meta.dirname, '../../packages/schema/src/fixtures/postman-env')
const file = (name: string) => ({ name, mimeType: 'application/json', buffer: readFileSync(join(fixtures, name)) })
const fixtureJson = (name: string) => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as Record<string, unknown>

const user = { email: 'paula@example.com', password: 'postman migrant 1', name: 'Paula' }

describe.skipIf(!hasChromium)('demo: Postman environments and globals', () => {
  const suite = useDemoSuite()

  it('imports an environment with a secret and the globals through the vault, shows them, and exports them for Postman', async () => {
    const { page, errors } = await device(suite.browser)
    await signUp(page, suite.relay.url, user)
    await page.getByTestId('continue').click()
    await openGlobals(page)
    await setUpVault(page)

    // Import both files at once from the Environments tab.
    const chooser = page.waitForEvent('filechooser')
    await page.getByTestId('import-postman').click()
    await (await chooser).setFiles([file('staging.postman_environment.json'), file('workspace.postman_globals.json')])
    const report = page.getByTestId('import-report')
    await report.waitFor()
    await expect.poll(() => report.textContent()).toContain('new environment (4 variables)')
    expect(await report.textContent()).toContain('globals: 3 added')
    await screenshot(page.locator('dialog[open]'), 'postman-import-report')
    await page.getByTestId('import-close').click()

    // The environment view: the secret is masked until revealed; values were opened from the vault.
    await page.getByTestId('env-Staging').click()
    await eventually(() => page.getByTestId('var-value-baseUrl').inputValue()).toBe('https://staging.api.example.com')
    expect(await page.getByTestId('var-value-apiKey').getAttribute('type')).toBe('password')
    await eventually(() => page.getByTestId('var-value-apiKey').inputValue()).toBe('sk_test_4f9a1c77e2b04d')
    expect(await page.getByTestId('secret-apiKey').getAttribute('aria-pressed')).toBe('true')
    await eventually(() => page.locator('tr.disabled').count()).toBe(1)
    await openGlobals(page)
    await eventually(() => page.getByTestId('var-value-userAgent').inputValue()).toBe('ferry-tests/1.0')
    await eventually(() => page.getByTestId('var-value-retries').inputValue()).toBe('3')
    expect(await page.getByTestId('var-value-sessionToken').getAttribute('type')).toBe('password')

    // Export: secret values are left empty unless asked for.
    await page.getByTestId('tab-environments').click()
    await page.getByTestId('env-Staging').click()
    await page.getByTestId('var-value-baseUrl').waitFor()
    const exportFile = async (includeSecrets: boolean): Promise<Record<string, unknown> & { values: { key: string; value: unknown; type?: string }[] }> => {
      const download = page.waitForEvent('download')
      await page.getByTestId('export-postman').click()
      const include = page.getByTestId('export-include-secrets')
      expect(await include.isChecked()).toBe(false)
      if (includeSecrets) await include.check()
      await page.getByTestId('export-confirm').click()
      const done = await download
      expect(done.suggestedFilename()).toMatch(/\.postman_(environment|globals)\.json$/)
      return JSON.parse(readFileSync(await done.path(), 'utf8')) as Record<string, unknown> & { values: { key: string; value: unknown; type?: string }[] }
    }
    const shared = await exportFile(false)
    expect(shared).toMatchObject({ id: '5f1c2a9e-3b7d-4c61-9a0e-7d2b8c4f6a13', name: 'Staging', _postman_variable_scope: 'environment', _postman_exported_using: 'Ferry/0.1.0' })
    expect(shared.values.find((v) => v.key === 'apiKey')).toEqual({ key: 'apiKey', value: '', type: 'secret', enabled: true })
    expect(shared.values.find((v) => v.key === 'baseUrl')?.value).toBe('https://staging.api.example.com')
    const full = await exportFile(true)
    const original = fixtureJson('staging.postman_environment.json')
    expect(full).toEqual({ ...original, _postman_exported_at: full._postman_exported_at, _postman_exported_using: 'Ferry/0.1.0' })
    await openGlobals(page)
    await page.getByTestId('var-value-userAgent').waitFor()
    const globals = await exportFile(true)
    expect(globals).toEqual({ ...fixtureJson('workspace.postman_globals.json'), _postman_exported_at: globals._postman_exported_at, _postman_exported_using: 'Ferry/0.1.0' })

    // Importing the environment again asks first; "update" changes it in place.
    const edited = { ...original, values: (original.values as { key: string; value: string }[]).map((v) => (v.key === 'baseUrl' ? { ...v, value: 'https://staging-2.api.example.com' } : v)) }
    const again = page.waitForEvent('filechooser')
    await page.getByTestId('tab-environments').click()
    await page.getByTestId('import-postman').click()
    await (await again).setFiles({ name: 'staging.postman_environment.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(edited)) })
    await page.getByText('"Staging" was imported before').waitFor()
    await screenshot(page.locator('dialog[open]'), 'postman-import-choice')
    await page.getByTestId('import-choice-0-update').check()
    await page.getByTestId('import-confirm').click()
    await eventually(() => page.getByTestId('import-report').textContent()).toContain('updated "Staging": 4 updated')
    await page.getByTestId('import-close').click()
    await page.getByTestId('env-Staging').click()
    await eventually(() => page.getByTestId('var-value-baseUrl').inputValue()).toBe('https://staging-2.api.example.com')
    expect(await page.locator('nav[aria-label=Environments] a[data-testid^=env-]').count()).toBe(1)
    expect(errors).toEqual([])
    await page.context().close()
  }, 120_000)

  it('says why nothing was imported: a truncated file, and environments before the vault is set up', async () => {
    const { page, errors } = await device(suite.browser)
    await signUp(page, suite.relay.url, { ...user, email: 'quentin@example.com', name: 'Quentin' })
    await page.getByTestId('continue').click()
    await page.getByTestId('tab-environments').click()

    const cut = page.waitForEvent('filechooser')
    await page.getByTestId('import-postman').click()
    await (await cut).setFiles({ name: 'cut.json', mimeType: 'application/json', buffer: readFileSync(join(fixtures, 'staging.postman_environment.json')).subarray(0, 200) })
    await page.getByText('"cut.json" ends in the middle of its JSON').waitFor()
    await page.getByTestId('import-close').click()

    const noVault = page.waitForEvent('filechooser')
    await page.getByTestId('import-postman').click()
    await (await noVault).setFiles(file('staging.postman_environment.json'))
    await page.getByText('Set up your vault first').waitFor()
    // Offered right there: set it up, then the import goes on.
    await page.getByTestId('import-setup-vault').click()
    await page.getByTestId('recovery-saved').check()
    await page.getByTestId('recovery-done').click()
    await eventually(() => page.getByTestId('import-report').textContent()).toContain('new environment (4 variables)')
    await page.getByTestId('import-close').click()
    await page.getByTestId('env-Staging').waitFor()
    expect(errors).toEqual([])
    await page.context().close()
  }, 120_000)
})

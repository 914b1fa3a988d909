/** What a user does in the demo, as steps the browser suites share. */
import type { Page } from 'playwright-core'

export async function answerPrompt(page: Page, value: string): Promise<void> {
  await page.locator('dialog[open] #prompt-input').fill(value)
  await page.locator('dialog[open] button[type=submit]').click()
}

export async function confirmDialog(page: Page): Promise<void> {
  await page.locator('dialog[open] button[type=submit]').click()
}

/** From the sign-in screen: "Use Ferry on this device without an account". */
export async function useLocally(page: Page, baseUrl: string): Promise<void> {
  await page.goto(baseUrl)
  await page.getByTestId('use-locally').click()
  await page.getByTestId('home-new-collection').waitFor()
}

export async function signUp(page: Page, baseUrl: string, user: { email: string; password: string; name: string }): Promise<void> {
  await page.goto(`${baseUrl}/#/signup`)
  await page.getByTestId('signup-name').fill(user.name)
  await page.getByTestId('signup-email').fill(user.email)
  await page.getByTestId('signup-password').fill(user.password)
  await page.getByTestId('signup-submit').click()
}

export async function signIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.getByTestId('signin-email').fill(user.email)
  await page.getByTestId('signin-password').fill(user.password)
  await page.getByTestId('signin-submit').click()
}

/** Creates a collection from the sidebar and waits for its row. */
export async function createCollection(page: Page, name: string): Promise<void> {
  await page.getByTestId('tab-collections').click()
  await page.getByTestId('new-collection').click()
  await answerPrompt(page, name)
  await page.getByRole('treeitem', { name: `Collection ${name}` }).waitFor()
}

/** Adds a request to a collection through its menu; the editor opens on it. */
export async function addRequest(page: Page, collection: string, name: string, url: string, method = 'GET'): Promise<void> {
  await page.getByTestId(`collection-menu-${collection}`).click()
  await page.getByRole('menuitem', { name: 'New request' }).click()
  await page.getByTestId('request-editor').waitFor()
  await page.getByTestId('request-name').fill(name)
  await page.getByTestId('url').fill(url)
  if (method !== 'GET') await page.getByTestId('method').selectOption(method)
}

export function treeRequest(page: Page, method: string, name: string) {
  return page.getByRole('treeitem', { name: `${method} ${name}` })
}

/** Opens the globals' editor from the sidebar. */
export async function openGlobals(page: Page): Promise<void> {
  await page.getByTestId('tab-environments').click()
  await page.getByRole('link', { name: /Globals/ }).click()
}

/** Sets up the vault from the globals' editor (recovery key saved) and waits until it is open. */
export async function setUpVault(page: Page): Promise<string> {
  await page.getByTestId('vault-setup').click()
  const recoveryKey = (await page.getByTestId('recovery-key').textContent()) ?? ''
  await page.getByTestId('recovery-saved').check()
  await page.getByTestId('recovery-done').click()
  await page.getByTestId('vault-notice').waitFor({ state: 'detached' })
  return recoveryKey
}

/** Approves the newest waiting device from the settings dialog and closes it. */
export async function approveDevice(page: Page): Promise<void> {
  await page.getByTestId('account-menu').click()
  await page.getByTestId('open-settings').click()
  await page.getByTestId('approve-device').click()
  await page.locator('dialog[open] button[type=submit]').last().click()
  await page.getByText('Device approved').waitFor()
  await page.keyboard.press('Escape')
}

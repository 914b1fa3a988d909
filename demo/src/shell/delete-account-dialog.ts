/**
 * Settings → Delete account: says exactly what goes, asks for the password (accounts made by
 * an OIDC sign-in have none: the relay asks them for a sign-in less than 5 minutes old
 * instead), and deletes only when the relay accepts it.
 */
import { h } from '../ui/dom.ts'
import { openDialog, toast } from '../ui/dialogs.ts'
import { field, submitForm, textInput } from '../ui/form.ts'
import type { AccountInfo, AppSession } from '../model/session.ts'

/** What deleting removes, in the order a user thinks of it. */
const WHAT_GOES = [
  'your workspace, every collection in it and your environments, on the relay and on every device',
  'your share links: people who open them see the collection is gone',
  'your vault: its keys, recovery key and devices (stored variable values can no longer be read)',
  'your profile image and name',
  'every session: all your devices are signed out of this account',
]

export function openDeleteAccount(session: AppSession, account: AccountInfo): Promise<boolean> {
  return openDialog<boolean>('Delete account', (close) => {
    const alert = h('div', { class: 'alert', role: 'alert', hidden: true })
    const password = textInput({ type: 'password', autocomplete: 'current-password', 'data-testid': 'delete-account-password' })
    return submitForm(
      alert,
      async () => {
        await session.deleteAccount(password.value === '' ? undefined : password.value)
        toast(`Account ${account.email} deleted`)
        close(true)
      },
      h('p', {}, h('strong', {}, account.email), ' and everything the relay holds for it is deleted for good:'),
      h('ul', { class: 'hint', 'data-testid': 'delete-account-list' }, ...WHAT_GOES.map((item) => h('li', {}, item))),
      h('p', { class: 'hint' }, 'This browser forgets the account too. Export any collection you want to keep first. The email address can sign up again afterwards, as a new, empty account.'),
      alert,
      field('Your password', password, 'Signed in with a provider and have no password? Leave this empty; you need to have signed in within the last 5 minutes.'),
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close(false) }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn btn-danger', 'data-testid': 'delete-account-confirm' }, 'Delete account'),
      ),
    )
  }).then((deleted) => deleted === true)
}

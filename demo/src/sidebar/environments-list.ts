/** The sidebar's Environments tab: globals, each environment, which one is active, create. */
import { h, region, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { promptText } from '../ui/dialogs.ts'
import { currentRoute, navigate } from '../ui/router.ts'
import type { AppContext } from '../app-context.ts'
import type { Environments } from '../model/types.ts'
import { activeEnvironmentId, onActiveEnvironmentChange } from '../model/active-environment.ts'

export async function createEnvironment(environments: Environments): Promise<void> {
  const name = await promptText('New environment', 'Environment name', '', 'Create')
  if (name) navigate(['env', environments.add(name)])
}

export function environmentsList(scope: Scope, ctx: AppContext, environments: Environments): HTMLElement {
  const box = h('div')
  region(
    scope,
    box,
    () => {
      const route = currentRoute()
      const selected = route.parts[0] === 'env' ? route.parts[1] : null
      const active = activeEnvironmentId(ctx.workspace.owner, environments)
      const globals = environments.globals.list().length
      return h(
        'nav',
        { 'aria-label': 'Environments' },
        h('ul', { class: 'list' },
          h('li', {}, h('a', { class: 'list-row', href: '#/env/globals', 'aria-current': selected === 'globals' ? 'page' : null,
            'aria-selected': String(selected === 'globals'), style: 'color:inherit;text-decoration:none' },
            icon('layers', 16), h('span', { class: 'grow' }, 'Globals'), h('span', { class: 'badge' }, String(globals))))),
        h('div', { class: 'list-group' }, h('h3', {}, 'Environments')),
        environments.list().length === 0
          ? h('p', { class: 'hint', style: 'padding:4px 10px' }, 'No environments yet. Environments hold variables like {{baseUrl}} for each place you call (local, staging, production).')
          : h('ul', { class: 'list' }, environments.list().map((env) =>
              h('li', {}, h('a', { class: 'list-row', href: `#/env/${encodeURIComponent(env.id)}`, 'aria-selected': String(selected === env.id),
                'aria-current': selected === env.id ? 'page' : null, style: 'color:inherit;text-decoration:none', 'data-testid': `env-${env.name}` },
                icon('layers', 16),
                h('span', { class: 'grow' }, env.name || 'Untitled'),
                env.id === active ? h('span', { class: 'badge badge-accent' }, 'active') : null)))),
      )
    },
    (changed) => {
      const offDoc = environments.observe(changed)
      const offActive = onActiveEnvironmentChange(changed)
      window.addEventListener('hashchange', changed)
      return () => (offDoc(), offActive(), window.removeEventListener('hashchange', changed))
    },
  )
  return box
}

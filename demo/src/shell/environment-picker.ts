/** The header's active-environment picker: "No environment" or one of the account's environments. */
import { h, type Scope } from '../ui/dom.ts'
import type { Workspace } from '@ferry/client'
import { activeEnvironmentId, onActiveEnvironmentChange, setActiveEnvironment } from '../model/active-environment.ts'
import { whenLoaded } from '../ui/workspace-reads.ts'

export function environmentPicker(scope: Scope, workspace: Workspace): HTMLElement {
  const select = h('select', { class: 'env-picker', 'aria-label': 'Active environment', 'data-testid': 'env-picker' })
  whenLoaded(workspace.environments(), (environments) => {
    if (scope.disposed) return
    const paint = () => {
      const active = activeEnvironmentId(workspace.owner, environments)
      select.replaceChildren(
        h('option', { value: '' }, 'No environment'),
        ...environments.list().map((env) => h('option', { value: env.id }, env.name || 'Untitled')),
      )
      select.value = active ?? ''
    }
    paint()
    select.addEventListener('change', () => setActiveEnvironment(workspace.owner, select.value || null))
    scope.add(environments.observe(paint))
    scope.add(onActiveEnvironmentChange(paint))
  })
  return select
}

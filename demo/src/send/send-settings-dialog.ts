/**
 * "Send settings": pair the Ferry agent (address + the code it printed), see whether it runs,
 * unpair; allow the relay's send proxy; follow redirects; the timeout. Per device.
 */
import { h, replaceChildren } from '../ui/dom.ts'
import { withCode } from '../ui/code-spans.ts'
import { openDialog, toast } from '../ui/dialogs.ts'
import { field, textInput } from '../ui/form.ts'
import { agentAddress, agentProblem, pairAgent, unpairAgent } from './agent-client.ts'
import { DEFAULT_AGENT_URL, sendSettings, updateSendSettings } from './send-settings.ts'

function agentSection(): HTMLElement {
  const box = h('div', { style: 'display:grid;gap:8px', 'data-testid': 'agent-section' })
  const alert = h('div', { class: 'alert', role: 'alert', hidden: true })
  const say = (message: string | null) => {
    alert.hidden = message === null
    replaceChildren(alert, message === null ? null : withCode(message))
  }
  const paint = () => {
    const { agent } = sendSettings()
    if (agent) {
      const state = h('span', { class: 'hint', 'data-testid': 'agent-state' }, 'Checking…')
      void agentProblem(agent).then((problem) => replaceChildren(state, withCode(problem ?? 'Running and paired.')))
      box.replaceChildren(
        h('p', {}, 'Paired with the Ferry agent at ', h('strong', {}, agent.url), '. ', state),
        h('div', {}, h('button', {
          type: 'button', class: 'btn btn-sm', 'data-testid': 'agent-unpair',
          onclick: () => void unpairAgent(agent).then(() => (updateSendSettings({ agent: null }), paint())),
        }, 'Unpair')),
      )
      return
    }
    const url = textInput({ value: DEFAULT_AGENT_URL, autocomplete: 'off', spellcheck: false, 'data-testid': 'agent-url' })
    const code = textInput({ placeholder: 'ABCD-EFGH', autocomplete: 'off', spellcheck: false, 'data-testid': 'agent-code' })
    const pair = async () => {
      const address = agentAddress(url.value)
      if (typeof address !== 'string') return say(address.error)
      if (!code.value.trim()) return say('Enter the pairing code the agent printed when it started.')
      try {
        const token = await pairAgent(address, code.value)
        updateSendSettings({ agent: { url: address, token } })
        say(null)
        toast('Ferry agent paired')
        paint()
      } catch (error) {
        say(error instanceof Error ? error.message : String(error))
      }
    }
    box.replaceChildren(
      h('p', { class: 'hint' }, 'Run ', h('code', {}, 'npx ferry-agent'), ' on this computer. It sends requests for this page, so APIs that do not allow browsers (CORS) work and your secrets stay on this machine. Enter the code it prints.'),
      field('Agent address', url),
      field('Pairing code', code),
      h('div', {}, h('button', { type: 'button', class: 'btn btn-sm btn-primary', 'data-testid': 'agent-pair', onclick: () => void pair() }, 'Pair the agent')),
    )
  }
  paint()
  return h('div', { style: 'display:grid;gap:8px' }, h('h3', { class: 'panel-heading' }, 'Ferry agent'), alert, box)
}

export function openSendSettings(): void {
  void openDialog<void>('Send settings', (close) => {
    const settings = sendSettings()
    const relay = h('input', { type: 'checkbox', role: 'switch', checked: settings.useRelay, 'data-testid': 'send-use-relay' })
    relay.addEventListener('change', () => updateSendSettings({ useRelay: relay.checked }))
    const redirects = h('input', { type: 'checkbox', role: 'switch', checked: settings.followRedirects, 'data-testid': 'send-follow-redirects' })
    redirects.addEventListener('change', () => updateSendSettings({ followRedirects: redirects.checked }))
    const timeout = textInput({ type: 'number', min: '1', max: '600', value: String(settings.timeoutMs / 1000), 'data-testid': 'send-timeout' })
    timeout.addEventListener('change', () => {
      const seconds = Number(timeout.value)
      if (Number.isInteger(seconds) && seconds >= 1 && seconds <= 600) updateSendSettings({ timeoutMs: seconds * 1000 })
      else toast('The timeout is a whole number of seconds from 1 to 600.', 'error')
    })
    return h('div', { style: 'display:grid;gap:14px;min-width:min(460px,80vw)' },
      h('p', { class: 'hint' }, 'Requests go from this page when the API allows it; else through the Ferry agent, then the relay.'),
      agentSection(),
      h('label', { class: 'switch' }, relay, h('span', {}, h('strong', {}, 'Use the relay’s send proxy'), h('br'),
        h('span', { class: 'hint' }, 'When the agent is not running, and only if your relay operator enabled it. The relay then sees the request, secrets included.'))),
      h('label', { class: 'switch' }, redirects, h('span', {}, h('strong', {}, 'Follow redirects'), h('br'), h('span', { class: 'hint' }, 'Off: the redirect itself is the response.'))),
      field('Timeout (seconds without an answer)', timeout),
      h('div', { class: 'dialog-actions' }, h('button', { type: 'button', class: 'btn btn-primary', onclick: () => close(undefined) }, 'Done')),
    )
  })
}

export { createAgentServer, AGENT_VERSION, type AgentOptions } from './server.ts'
export { Pairings, MAX_WRONG_CODES } from './pairing.ts'

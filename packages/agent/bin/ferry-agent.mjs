#!/usr/bin/env node
// The agent is TypeScript, like the rest of Ferry: tsx loads it without a build step.
import { register } from 'tsx/esm/api'

register()
await import('../src/main.ts')

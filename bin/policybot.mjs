#!/usr/bin/env node
// The policybot CLI. TypeScript sources run through tsx's loader, so there is no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../workers/cli/main.ts')
process.exitCode = await main(process.argv.slice(2), process.env)

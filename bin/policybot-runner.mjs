#!/usr/bin/env node
// The GPU runner (gpu-runner/). TypeScript sources run through tsx's loader, so there is no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../gpu-runner/main.ts')
process.exitCode = await main(process.argv.slice(2), process.env)

import { createServer } from 'node:net'
import { PolicybotError } from '../errors'

/** Fails with a clear message when something already listens on the port. */
export async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer()
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new PolicybotError(
          'PORT_IN_USE',
          e.code === 'EADDRINUSE'
            ? `Port ${port} on 127.0.0.1 is already in use. Stop what is using it, or start on another port: PORT=${port + 1} npm start`
            : `Cannot listen on 127.0.0.1:${port}: ${e.message}`,
        ),
      ),
    )
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()))
  })
}

/** A port nothing listens on right now (for wrangler's inspector, tests and benchmarks). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

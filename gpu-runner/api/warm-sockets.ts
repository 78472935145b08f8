import { connect, type Socket } from 'node:net'

/**
 * Connections opened ahead of need, for requests that cannot reuse one. llama-server closes the
 * connection after each streamed answer, and a new connection costs about 1 ms before the request
 * is even read (cpp-httplib hands each accepted socket to a worker thread; measured 8.6 vs 7.8 ms
 * for an 8-token answer). Taking an already-connected socket moves that off the request's path.
 * Spares are made on demand (a runner without traffic keeps none) and dropped before
 * cpp-httplib's 5 s read timeout would close them.
 */
export class WarmSockets {
  readonly #spares = new Map<number, Array<{ socket: Socket; at: number }>>()

  constructor(
    readonly perUpstream = 4,
    readonly maxAgeMs = 3000,
  ) {}

  /** A connected (or connecting) socket to `127.0.0.1:port`, used once. */
  take(port: number): Socket {
    const list = this.#list(port)
    const now = Date.now()
    let found: Socket | undefined
    for (let spare = list.shift(); spare; spare = list.shift()) {
      if (!spare.socket.destroyed && now - spare.at < this.maxAgeMs) {
        found = spare.socket
        break
      }
      spare.socket.destroy()
    }
    this.#refill(port, list)
    // Spares never keep the process alive; the one taken now belongs to a request.
    found?.ref()
    return found ?? open(port)
  }

  /** Closes every spare (shutdown). */
  close(): void {
    for (const list of this.#spares.values()) for (const s of list.splice(0)) s.socket.destroy()
  }

  #list(port: number) {
    let list = this.#spares.get(port)
    if (!list) {
      list = []
      this.#spares.set(port, list)
    }
    return list
  }

  #refill(port: number, list: Array<{ socket: Socket; at: number }>): void {
    while (list.length < this.perUpstream) {
      const socket = open(port).unref()
      const entry = { socket, at: Date.now() }
      // A spare the server closed (or a generation that stopped) leaves the list by itself.
      socket.once('close', () => {
        const i = list.indexOf(entry)
        if (i >= 0) list.splice(i, 1)
      })
      list.push(entry)
    }
  }
}

function open(port: number): Socket {
  const socket = connect({ port, host: '127.0.0.1', noDelay: true })
  socket.on('error', () => {})
  return socket
}

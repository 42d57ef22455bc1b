/**
 * A listen address with a concrete port. A member advertises its Raft address in the log before its transport
 * listens, so `host:0` is turned into a free port first (by binding it once and releasing it: another process
 * could take it in between, which only matters for tests and the devnet, the users of port 0).
 */
import { createServer } from 'node:net'
import { parseHostPort } from '../core/httpService.js'

export async function resolveListenAddress(address: string): Promise<string> {
  const { host, port } = parseHostPort(address, 'Raft address')
  if (port !== 0) return address
  const free = await new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const bound = server.address()
      const chosen = typeof bound === 'object' && bound ? bound.port : 0
      server.close(() => resolve(chosen))
    })
  })
  return `${host.includes(':') ? `[${host}]` : host}:${free}`
}

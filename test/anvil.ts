/**
 * One anvil per test file: `const chain = useAnvil()` in a describe block starts it before the tests and stops
 * it after. Tests talk to it through real viem clients.
 */
import { afterAll, beforeAll } from 'vitest'
import { type Anvil, type StartAnvilParameters, startAnvil } from '../src/devnet/anvil.js'

/** anvil's default dev accounts (mnemonic "test test … junk"); public test vectors, never real funds. */
export const anvilAccounts = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
] as const

export function useAnvil(parameters: StartAnvilParameters = {}): { readonly rpcUrl: string; readonly anvil: Anvil } {
  let anvil: Anvil | undefined
  beforeAll(async () => {
    anvil = await startAnvil(parameters)
  })
  afterAll(async () => {
    await anvil?.stop()
  })
  return {
    get rpcUrl() {
      if (!anvil) throw new Error('anvil is not running yet: use it inside a test or hook')
      return anvil.rpcUrl
    },
    get anvil() {
      if (!anvil) throw new Error('anvil is not running yet: use it inside a test or hook')
      return anvil
    },
  }
}

import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { createCheckinAuthenticator } from './authenticateCheckin.js'
import type { CheckinRefusedError } from './checkinRefusedError.js'
import { signCheckinToken } from './checkinToken.js'

const privateKey = generatePrivateKey()
const { address } = privateKeyToAccount(privateKey)
const clock = 1_700_000_000
const bearer = (epoch: number) => `Bearer ${signCheckinToken({ privateKey, address, epoch })}`

async function rule(fn: () => unknown): Promise<string> {
  try {
    await fn()
    return 'accepted'
  } catch (error) {
    return (error as CheckinRefusedError).rule
  }
}

describe('createCheckinAuthenticator', async () => {
  test('accepts epochs up to the window on either side of its clock, and refuses one second beyond', async () => {
    const authenticator = createCheckinAuthenticator({ windowSeconds: 30, now: () => clock * 1000 + 999 })
    expect(await rule(() => authenticator.authenticate(address, bearer(clock - 31)))).toBe('expired')
    expect(await rule(() => authenticator.authenticate(address, bearer(clock + 31)))).toBe('future')
    expect(await authenticator.authenticate(address, bearer(clock - 30))).toEqual({
      authenticated: true,
      epoch: clock - 30,
    })
    expect(await authenticator.authenticate(address, bearer(clock + 30))).toEqual({
      authenticated: true,
      epoch: clock + 30,
    })
  })

  test('refuses epochs not newer than the last accepted one, and only remembers accepted ones', async () => {
    const authenticator = createCheckinAuthenticator({ now: () => clock * 1000 })
    await authenticator.authenticate(address, bearer(clock))
    // Not yet stored: the same epoch may still be tried (the database decides).
    expect(await rule(() => authenticator.authenticate(address, bearer(clock)))).toBe('accepted')
    authenticator.accepted(address, clock)
    expect(await rule(() => authenticator.authenticate(address, bearer(clock)))).toBe('replayed')
    expect(await rule(() => authenticator.authenticate(address, bearer(clock - 1)))).toBe('replayed')
    expect(await rule(() => authenticator.authenticate(address, bearer(clock + 1)))).toBe('accepted')
    authenticator.accepted(address, clock - 5)
    expect(await rule(() => authenticator.authenticate(address, bearer(clock)))).toBe('replayed')
  })

  test('checks the window and replays before the signature, which is checked last', async () => {
    const authenticator = createCheckinAuthenticator({ now: () => clock * 1000 })
    const forged = `Bearer ${signCheckinToken({ privateKey: generatePrivateKey(), address, epoch: clock - 60 })}`
    expect(await rule(() => authenticator.authenticate(address, forged))).toBe('expired')
    const forgedNow = `Bearer ${signCheckinToken({ privateKey: generatePrivateKey(), address, epoch: clock })}`
    expect(await rule(() => authenticator.authenticate(address, forgedNow))).toBe('bad_signature')
  })

  test('lets an unsigned check-in through as unauthenticated only when allowed', async () => {
    const strict = createCheckinAuthenticator({ now: () => clock * 1000 })
    expect(await rule(() => strict.authenticate(address, undefined))).toBe('unsigned')
    const lenient = createCheckinAuthenticator({ now: () => clock * 1000, allowUnauthenticated: true })
    expect(await lenient.authenticate(address, undefined)).toEqual({ authenticated: false, epoch: 0 })
    expect(await rule(() => lenient.authenticate(address, 'Bearer nope'))).toBe('malformed_token')
    expect(await rule(() => lenient.authenticate(address, bearer(clock - 100)))).toBe('expired')
  })
})

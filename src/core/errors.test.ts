import { describe, expect, test } from 'vitest'
import { BaseError, InvalidInputError, redactSecrets } from './errors.js'

describe('redactSecrets', () => {
  test('removes user and password from URLs', () => {
    expect(redactSecrets('connect postgres://admin:hunter2@db:5432/x failed')).toBe(
      'connect postgres://***@db:5432/x failed',
    )
    expect(redactSecrets('https://user@node.example/rpc')).toBe('https://***@node.example/rpc')
  })

  test('removes API keys in query strings and provider paths', () => {
    expect(redactSecrets('https://rpc.example/?apikey=abc123&x=1')).toBe('https://rpc.example/?apikey=***&x=1')
    expect(redactSecrets('https://eth-mainnet.g.alchemy.com/v2/AbCdEfGhIjKlMnOpQrStUv')).toBe(
      'https://eth-mainnet.g.alchemy.com/v2/***',
    )
    expect(redactSecrets('authorization: Bearer 123.0xabc')).toBe('authorization: Bearer ***')
  })

  test('leaves ordinary text alone', () => {
    expect(redactSecrets('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545')
  })
})

describe('BaseError', () => {
  test('redacts secrets in the message and details', () => {
    const error = new BaseError('cannot reach https://u:p@host/', { details: 'GET https://host/?token=xyz' })
    expect(error.message).not.toContain('u:p')
    expect(error.message).not.toContain('xyz')
    expect(error.shortMessage).toBe('cannot reach https://***@host/')
  })

  test('walks the cause chain to the deepest error', () => {
    const root = new Error('root')
    const error = new BaseError('outer', { cause: new BaseError('middle', { cause: root }) })
    expect(error.walk()).toBe(root)
    expect(error.walk((e) => e instanceof BaseError && e.shortMessage === 'middle')).toBeInstanceOf(BaseError)
  })

  test('exits with 2 for bad input and 1 otherwise', () => {
    expect(new InvalidInputError('bad').exitCode).toBe(2)
    expect(new BaseError('failed').exitCode).toBe(1)
    expect(new BaseError('wrapped', { cause: new InvalidInputError('bad') }).exitCode).toBe(2)
  })
})

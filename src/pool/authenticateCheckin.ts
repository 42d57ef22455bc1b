/**
 * The authentication rules for a check-in, enforced by default, cheapest first:
 *
 * 1. `authorization: Bearer <epoch>.<signature>` is present and well formed (else UNAUTHENTICATED);
 * 2. the epoch is within `windowSeconds` of the aggregator's clock, in both directions (expired / from the future);
 * 3. the epoch is newer than the last epoch accepted from this operator (a replay otherwise) — checked here against
 *    memory, and again by the database when the check-in is stored, which is what holds across replicas;
 * 4. the signature is the claimed address's EIP-191 signature of `Operator:<address>Epoch:<epoch>`.
 *
 * Registration (PERMISSION_DENIED) is checked after this, by the check-in service. Only an operator that passed
 * every rule is remembered, so the memory of last epochs cannot be filled by strangers.
 *
 * With `allowUnauthenticated` (for operators that predate signed check-ins), a check-in with no authorization at all
 * is let through as unauthenticated; one that carries a token must still pass every rule.
 */
import type { Address } from 'viem'
import { CheckinRefusedError } from './checkinRefusedError.js'
import {
  type CheckinSignatureVerifier,
  CheckinTokenError,
  checkinMessage,
  createCheckinSignatureVerifier,
  parseCheckinAuthorization,
} from './checkinToken.js'

export type CheckinAuthenticatorParameters = {
  /** Accepted distance between a token's epoch and the aggregator's clock, each way. Default 30 s. */
  windowSeconds?: number | undefined
  allowUnauthenticated?: boolean | undefined
  /** Milliseconds since the Unix epoch; `Date.now` by default. */
  now?: (() => number) | undefined
  verifier?: CheckinSignatureVerifier | undefined
}

export type CheckinAuthentication = { authenticated: true; epoch: number } | { authenticated: false; epoch: 0 }

export type CheckinAuthenticator = {
  /** Applies the rules; throws `CheckinRefusedError` naming the one that failed. */
  authenticate(address: Address, authorization: string | undefined): CheckinAuthentication
  /** Remembers the epoch of a check-in that was stored. */
  accepted(address: Address, epoch: number): void
}

/**
 * @example
 * const authenticator = createCheckinAuthenticator({ windowSeconds: 30 })
 * const { epoch } = authenticator.authenticate(address, call.metadata.get('authorization')[0] as string)
 */
export function createCheckinAuthenticator(parameters: CheckinAuthenticatorParameters = {}): CheckinAuthenticator {
  const windowSeconds = parameters.windowSeconds ?? 30
  const now = parameters.now ?? Date.now
  const verifier = parameters.verifier ?? createCheckinSignatureVerifier()
  const lastEpochs = new Map<Address, number>()

  return {
    authenticate(address, authorization) {
      if ((authorization === undefined || authorization === '') && parameters.allowUnauthenticated) {
        return { authenticated: false, epoch: 0 }
      }
      let token: ReturnType<typeof parseCheckinAuthorization>
      try {
        token = parseCheckinAuthorization(authorization)
      } catch (error) {
        if (!(error instanceof CheckinTokenError)) throw error
        throw new CheckinRefusedError(error.problem === 'missing' ? 'unsigned' : 'malformed_token', error.message)
      }
      const seconds = Math.floor(now() / 1000)
      if (token.epoch < seconds - windowSeconds) {
        throw new CheckinRefusedError(
          'expired',
          `expired check-in token: epoch ${token.epoch} is ${seconds - token.epoch} s old; tokens are accepted for ${windowSeconds} s (is the operator's clock right?)`,
        )
      }
      if (token.epoch > seconds + windowSeconds) {
        throw new CheckinRefusedError(
          'future',
          `check-in token from the future: epoch ${token.epoch} is ${token.epoch - seconds} s ahead of the aggregator's clock; at most ${windowSeconds} s is accepted (is the operator's clock right?)`,
        )
      }
      const last = lastEpochs.get(address)
      if (last !== undefined && token.epoch <= last) {
        throw new CheckinRefusedError(
          'replayed',
          `replayed check-in: epoch ${token.epoch} is not newer than ${last}, the last accepted from ${address}`,
        )
      }
      if (!verifier.verify(address, token)) {
        throw new CheckinRefusedError(
          'bad_signature',
          `check-in signature is not ${address}'s: expected the operator's EIP-191 signature of "${checkinMessage(address, token.epoch)}"`,
        )
      }
      return { authenticated: true, epoch: token.epoch }
    },

    accepted(address, epoch) {
      if (epoch > (lastEpochs.get(address) ?? 0)) lastEpochs.set(address, epoch)
    },
  }
}

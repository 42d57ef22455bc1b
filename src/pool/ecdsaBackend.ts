/**
 * The secp256k1 ECDSA implementation that checks check-in signatures: native libsecp256k1 through the N-API binding
 * of the npm `secp256k1` package when it loads, else libsecp256k1 compiled to WebAssembly (`tiny-secp256k1`).
 * Measured here: ~53 µs a verification native against ~160–230 µs in WebAssembly, and the aggregator verifies one
 * signature per check-in of every operator.
 *
 * The binding is loaded as `secp256k1/bindings.js`, never as the package's main module, which falls back silently
 * to `elliptic` (pure JavaScript, slower than either) when the native build is missing. The package ships prebuilt
 * binaries for common platforms (`prebuilds/`), found at run time by node-gyp-build; where none fits and none was
 * compiled, `loadEcdsaBackend` answers with the WebAssembly one and says why.
 *
 * Both answer alike on every input (`ecdsaBackend.test.ts` checks it against each other and viem):
 *
 * - `verify` accepts a signature whose s is in the upper half of the group order, as `ecrecover`, go-ethereum's
 *   `SigToPub` and viem's `verifyMessage` do (libsecp256k1's own verify refuses those, so the native path
 *   normalises s to n − s first; `tiny-secp256k1` in its default, non-strict mode does the same). Replays are
 *   stopped by the epoch, not by the signature's encoding, so malleability costs nothing here.
 * - r or s of zero or not below n, or a public key off the curve, is a `false`, not an exception.
 */
import { createRequire } from 'node:module'
import * as wasm from 'tiny-secp256k1'

export type EcdsaBackendName = 'native' | 'wasm'

export type EcdsaBackend = {
  /** `native`: libsecp256k1 through N-API; `wasm`: libsecp256k1 in WebAssembly (`tiny-secp256k1`). */
  readonly name: EcdsaBackendName
  /** Why the native binding did not load (only when `name` is `wasm`). */
  readonly fallbackReason?: string | undefined
  /** Whether `signature` (r ‖ s, 64 bytes) signs the 32-byte `digest` for the uncompressed 65-byte `publicKey`. */
  verify(digest: Uint8Array, publicKey: Uint8Array, signature: Uint8Array): boolean
  /** The uncompressed public key (65 bytes) that signed `digest`, or undefined when none does. */
  recover(digest: Uint8Array, signature: Uint8Array, recoveryId: 0 | 1): Uint8Array | undefined
}

/** The part of `secp256k1/bindings.js` used here (argument order as the package's API.md). */
type NativeBinding = {
  ecdsaVerify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean
  ecdsaRecover(signature: Uint8Array, recoveryId: number, digest: Uint8Array, compressed: boolean): Uint8Array
  signatureNormalize(signature: Uint8Array): Uint8Array
}

export type LoadEcdsaBackendParameters = {
  /** Loads the native binding; for tests. Default: `require('secp256k1/bindings.js')`. */
  loadNative?: (() => NativeBinding) | undefined
}

let loaded: EcdsaBackend | undefined

/**
 * The fastest backend that loads in this process (native first), loaded once.
 *
 * @example
 * const backend = loadEcdsaBackend()
 * if (backend.name === 'wasm') logger.warn({ reason: backend.fallbackReason }, 'native secp256k1 unavailable')
 * backend.verify(digest, publicKey, signature) // true | false
 */
export function loadEcdsaBackend(parameters: LoadEcdsaBackendParameters = {}): EcdsaBackend {
  if (parameters.loadNative) return pickBackend(parameters.loadNative)
  loaded ??= pickBackend(() => createRequire(import.meta.url)('secp256k1/bindings.js') as NativeBinding)
  return loaded
}

function pickBackend(loadNative: () => NativeBinding): EcdsaBackend {
  try {
    return nativeBackend(loadNative())
  } catch (error) {
    return { ...wasmBackend, fallbackReason: error instanceof Error ? error.message : String(error) }
  }
}

/** The backend on libsecp256k1 in WebAssembly, whatever the platform. */
export const wasmBackend: EcdsaBackend = {
  name: 'wasm',
  verify(digest, publicKey, signature) {
    try {
      return wasm.verify(digest, publicKey, signature)
    } catch {
      // r or s out of range, or a point that does not decode: not a signature by anyone.
      return false
    }
  },
  recover(digest, signature, recoveryId) {
    try {
      return wasm.recover(digest, signature, recoveryId, false) ?? undefined
    } catch {
      return undefined
    }
  },
}

/** The first byte of s above which s may exceed n / 2 (n / 2 = 0x7fffffff…5d576e7357a4501ddfe92f46681b20a0). */
const highSFirstByte = 0x7f

function nativeBackend(binding: NativeBinding): EcdsaBackend {
  // Fails here, not at the first check-in, when the binding loads but does not work.
  if (typeof binding.ecdsaVerify !== 'function' || typeof binding.ecdsaRecover !== 'function') {
    throw new Error('secp256k1/bindings.js has no ecdsaVerify / ecdsaRecover')
  }
  return {
    name: 'native',
    verify(digest, publicKey, signature) {
      try {
        // Most signers already produce low s; only a signature that might be high is copied and normalised.
        const lowS =
          (signature[32] as number) < highSFirstByte ? signature : binding.signatureNormalize(signature.slice())
        return binding.ecdsaVerify(lowS, digest, publicKey)
      } catch {
        return false
      }
    },
    recover(digest, signature, recoveryId) {
      try {
        return binding.ecdsaRecover(signature, recoveryId, digest, false)
      } catch {
        return undefined
      }
    },
  }
}

import { concat, encodeAbiParameters, encodePacked, keccak256, toHex } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import { InvalidInputError } from '../../core/errors.js'
import { BN254_R } from './field.js'
import { hashToG1 } from './hashToG1.js'
import { type BlsKeyPair, blsKeyPairFromPrivateKey } from './keys.js'
import {
  pubkeyRegistrationGamma,
  pubkeyRegistrationMessageHash,
  pubkeyRegistrationParams,
  verifyPubkeyRegistration,
} from './registration.js'
import { initBn254 } from './runtime.js'

let pair: BlsKeyPair
beforeAll(async () => {
  await initBn254()
  pair = blsKeyPairFromPrivateKey(69n)
})

const registryCoordinator = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const operator = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

/** The EIP-712 digest written out by hand (EIP-712 §"Definition of hashStruct", "Definition of domainSeparator"). */
function registrationDigest(chainId: number): `0x${string}` {
  const domainTypeHash = keccak256(
    toHex('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'),
  )
  const domainSeparator = keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint256' }, { type: 'address' }],
      [
        domainTypeHash,
        keccak256(toHex('AVSRegistryCoordinator')),
        keccak256(toHex('v0.0.1')),
        BigInt(chainId),
        registryCoordinator,
      ],
    ),
  )
  const structHash = keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'address' }],
      [keccak256(toHex('BN254PubkeyRegistration(address operator)')), operator],
    ),
  )
  return keccak256(concat(['0x1901', domainSeparator, structHash]))
}

describe('pubkeyRegistrationMessageHash', () => {
  test('hashes the EIP-712 BN254PubkeyRegistration digest to G1 when given chain, coordinator and operator', () => {
    expect(pubkeyRegistrationMessageHash({ chainId: 31337, registryCoordinator, operator })).toEqual(
      hashToG1(registrationDigest(31337)),
    )
  })

  test('changes when the chain id changes', () => {
    const a = pubkeyRegistrationMessageHash({ chainId: 1, registryCoordinator, operator })
    const b = pubkeyRegistrationMessageHash({ chainId: 17000, registryCoordinator, operator })
    expect(a).not.toEqual(b)
  })

  test('throws InvalidInputError naming the field when an address or chain id is malformed', () => {
    expect(() => pubkeyRegistrationMessageHash({ chainId: 1, registryCoordinator: '0x1234', operator })).toThrow(
      /registryCoordinator: expected a 20-byte 0x-hex address, got "0x1234"/,
    )
    expect(() => pubkeyRegistrationMessageHash({ chainId: 0, registryCoordinator, operator })).toThrow(
      InvalidInputError,
    )
    expect(() => pubkeyRegistrationMessageHash({ chainId: 1.5, registryCoordinator, operator })).toThrow(/chainId/)
  })
})

describe('pubkeyRegistrationParams', () => {
  test('produces params the on-chain check accepts when the key is consistent', () => {
    const h = pubkeyRegistrationMessageHash({ chainId: 31337, registryCoordinator, operator })
    const params = pubkeyRegistrationParams(pair.privateKey, h)
    expect(params.pubkeyG1).toEqual(pair.g1)
    expect(params.pubkeyG2).toEqual(pair.g2)
    expect(verifyPubkeyRegistration(params, h)).toBe(true)
  })

  test('fails the check when pkG2 belongs to another key', () => {
    const h = pubkeyRegistrationMessageHash({ chainId: 31337, registryCoordinator, operator })
    const params = pubkeyRegistrationParams(pair.privateKey, h)
    expect(verifyPubkeyRegistration({ ...params, pubkeyG2: blsKeyPairFromPrivateKey(70n).g2 }, h)).toBe(false)
    expect(verifyPubkeyRegistration({ ...params, pubkeyG1: blsKeyPairFromPrivateKey(70n).g1 }, h)).toBe(false)
  })

  test('computes γ as keccak256(abi.encodePacked(σ, pkG1, pkG2, H)) mod r', () => {
    const h = pubkeyRegistrationMessageHash({ chainId: 31337, registryCoordinator, operator })
    const p = pubkeyRegistrationParams(pair.privateKey, h)
    const s = p.pubkeyRegistrationSignature
    const packed = encodePacked(
      ['uint256', 'uint256', 'uint256', 'uint256', 'uint256[2]', 'uint256[2]', 'uint256', 'uint256'],
      [s.x, s.y, p.pubkeyG1.x, p.pubkeyG1.y, p.pubkeyG2.x, p.pubkeyG2.y, h.x, h.y],
    )
    expect(pubkeyRegistrationGamma(p, h)).toBe(BigInt(keccak256(packed)) % BN254_R)
  })

  test('throws InvalidInputError when the message hash is not a G1 point', () => {
    expect(() => pubkeyRegistrationParams(69n, { x: 1n, y: 1n })).toThrow(/messageHash: expected a point on the curve/)
  })
})

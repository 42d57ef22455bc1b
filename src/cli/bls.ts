/**
 * `avskit bls …`: BN254 BLS keys and signatures from the command line. Everything is printed as JSON with
 * decimal strings; G2 points in the Solidity order `{"x":[x_imag,x_real],"y":[y_imag,y_real]}`.
 */
import type { Command } from 'commander'
import { z } from 'zod'
import { defineOptions } from '../core/config.js'
import { InvalidInputError } from '../core/errors.js'
import {
  blsKeyPairFromPrivateKey,
  g1FromJson,
  g1ToJson,
  g2FromJson,
  g2ToJson,
  generateBlsPrivateKey,
  hashToG1,
  initBn254,
  parseBlsPrivateKey,
  signDigest,
  verifySignature,
} from '../crypto/index.js'
import { addCommand } from './command.js'
import { printJson } from './output.js'

const digestSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, { message: 'expected a 0x-prefixed 32-byte hex digest' })
  .transform((v) => v as `0x${string}`)

const privateKeyOption = defineOptions({
  privateKey: {
    flag: 'private-key',
    argument: '<key>',
    description: 'BLS private key, decimal or 0x-hex',
    schema: z.string(),
    secret: true,
    required: true,
  },
})

const digestOption = defineOptions({
  digest: {
    flag: 'digest',
    argument: '<0x…>',
    description: '32-byte message digest',
    schema: digestSchema,
    required: true,
  },
})

function parseJsonFlag(text: string, flag: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new InvalidInputError(`--${flag} is not valid JSON.`)
  }
}

function keyPairJson(privateKey: bigint) {
  const pair = blsKeyPairFromPrivateKey(privateKey)
  return { g1: g1ToJson(pair.g1), g2: g2ToJson(pair.g2), operatorId: pair.operatorId }
}

export function registerBlsCommands(program: Command): void {
  const bls = program.command('bls').description('BN254 BLS keys, hashing, signing and verification')

  addCommand(bls, {
    name: 'keygen',
    description: 'generate a random BLS private key and print it with its public keys',
    options: {},
    async run() {
      await initBn254()
      const privateKey = generateBlsPrivateKey()
      printJson({ privateKey: privateKey.toString(), ...keyPairJson(privateKey) })
      return 0
    },
  })

  addCommand(bls, {
    name: 'pubkey',
    description: 'print the G1 and G2 public keys and the operator id of a private key',
    options: privateKeyOption,
    async run({ options }) {
      await initBn254()
      printJson(keyPairJson(parseBlsPrivateKey(options.privateKey)))
      return 0
    },
  })

  addCommand(bls, {
    name: 'hash-to-g1',
    description: 'map a 32-byte digest to G1 (try-and-increment, as BN254.hashToG1 on chain)',
    options: digestOption,
    async run({ options }) {
      await initBn254()
      printJson(g1ToJson(hashToG1(options.digest)))
      return 0
    },
  })

  addCommand(bls, {
    name: 'sign',
    description: 'sign a 32-byte digest: σ = sk·H(m) in G1',
    options: { ...privateKeyOption, ...digestOption },
    async run({ options }) {
      await initBn254()
      const privateKey = parseBlsPrivateKey(options.privateKey)
      printJson(g1ToJson(signDigest(privateKey, options.digest)))
      return 0
    },
  })

  addCommand(bls, {
    name: 'verify',
    description: 'verify a signature against a G2 public key (exit 0 valid, 1 invalid, 2 bad input)',
    options: {
      g2: { flag: 'g2', argument: '<json>', description: 'G2 public key JSON', schema: z.string(), required: true },
      ...digestOption,
      signature: {
        flag: 'signature',
        argument: '<json>',
        description: 'G1 signature JSON',
        schema: z.string(),
        required: true,
      },
    },
    async run({ options }) {
      await initBn254()
      const pkG2 = g2FromJson(parseJsonFlag(options.g2, 'g2'), '--g2')
      const signature = g1FromJson(parseJsonFlag(options.signature, 'signature'), '--signature')
      const valid = verifySignature(pkG2, options.digest, signature)
      printJson({ valid })
      return valid ? 0 : 1
    },
  })
}

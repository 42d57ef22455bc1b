/** Keystore and password options shared by commands that sign as an operator. */

import type { Hex } from 'viem'
import { z } from 'zod'
import { defineOptions } from '../core/config.js'
import { InvalidInputError } from '../core/errors.js'
import { parseEcdsaPrivateKey, readBlsKeystoreFile, readEcdsaKeystoreFile, resolvePassword } from '../crypto/index.js'

export const ecdsaKeystoreOptions = defineOptions({
  ecdsaKeystore: {
    flag: 'ecdsa-keystore',
    argument: '<path>',
    description: 'ECDSA keystore (Web3 Secret Storage v3)',
    schema: z.string().min(1),
    required: true,
  },
  ecdsaPasswordFile: {
    flag: 'ecdsa-key-password-file',
    argument: '<path>',
    description: 'file holding the ECDSA keystore password (else AVSKIT_ECDSA_KEY_PASSWORD, else a prompt)',
    schema: z.string().min(1),
  },
})

export const blsKeystoreOptions = defineOptions({
  blsKeystore: {
    flag: 'bls-keystore',
    argument: '<path>',
    description: 'BLS keystore (EigenLayer CLI / eigensdk format, or EIP-2335)',
    schema: z.string().min(1),
    required: true,
  },
  blsPasswordFile: {
    flag: 'bls-key-password-file',
    argument: '<path>',
    description: 'file holding the BLS keystore password (else AVSKIT_BLS_KEY_PASSWORD, else a prompt)',
    schema: z.string().min(1),
  },
})

export async function openEcdsaKeystore(options: { ecdsaKeystore: string; ecdsaPasswordFile?: string | undefined }) {
  const password = await resolvePassword({
    label: `ECDSA keystore ${options.ecdsaKeystore}`,
    file: options.ecdsaPasswordFile,
    fileFlag: '--ecdsa-key-password-file',
    env: 'AVSKIT_ECDSA_KEY_PASSWORD',
  })
  return readEcdsaKeystoreFile(options.ecdsaKeystore, password)
}

export async function openBlsKeystore(options: { blsKeystore: string; blsPasswordFile?: string | undefined }) {
  const password = await resolvePassword({
    label: `BLS keystore ${options.blsKeystore}`,
    file: options.blsPasswordFile,
    fileFlag: '--bls-key-password-file',
    env: 'AVSKIT_BLS_KEY_PASSWORD',
  })
  return readBlsKeystoreFile(options.blsKeystore, password)
}

/** An ECDSA signer given either as a raw key or as a keystore (for commands that send transactions). */
export const signerKeyOptions = defineOptions({
  privateKey: {
    flag: 'private-key',
    argument: '<0x…>',
    description: 'ECDSA key of the sending account (or --ecdsa-keystore)',
    schema: z.string(),
    secret: true,
  },
  ecdsaKeystore: {
    flag: 'ecdsa-keystore',
    argument: '<path>',
    description: 'ECDSA keystore of the sending account',
    schema: z.string().min(1),
  },
  ecdsaPasswordFile: ecdsaKeystoreOptions.ecdsaPasswordFile,
})

/** The sending account's key from --private-key, else --ecdsa-keystore; `role` names it in the error. */
export async function resolveSignerKey(
  options: {
    privateKey?: string | undefined
    ecdsaKeystore?: string | undefined
    ecdsaPasswordFile?: string | undefined
  },
  role: string,
): Promise<Hex> {
  if (options.privateKey !== undefined) return parseEcdsaPrivateKey(options.privateKey, '--private-key')
  if (options.ecdsaKeystore !== undefined) {
    return (
      await openEcdsaKeystore({ ecdsaKeystore: options.ecdsaKeystore, ecdsaPasswordFile: options.ecdsaPasswordFile })
    ).privateKey
  }
  throw new InvalidInputError(`Missing --private-key or --ecdsa-keystore: ${role}.`)
}

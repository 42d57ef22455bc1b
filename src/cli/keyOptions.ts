/** Keystore and password options shared by commands that sign as an operator. */
import { z } from 'zod'
import { defineOptions } from '../core/config.js'
import { readBlsKeystoreFile, readEcdsaKeystoreFile, resolvePassword } from '../crypto/index.js'

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

/** `avskit keys …`: create, import and inspect operator keystores (ECDSA v3, EigenLayer BLS, EIP-2335). */
import type { Command } from 'commander'
import { z } from 'zod'
import { defineOptions } from '../core/config.js'
import {
  createBlsKeystore,
  createEcdsaKeystore,
  g1ToJson,
  g2ToJson,
  initBn254,
  parseBlsPrivateKey,
  readBlsKeystoreFile,
  readEcdsaKeystoreFile,
  readKeystoreFile,
  resolvePassword,
  writeKeystoreFile,
} from '../crypto/index.js'
import { addCommand } from './command.js'
import { printJson } from './output.js'

const keyType = z.enum(['ecdsa', 'bls'], { message: 'expected ecdsa or bls' })

const writeOptions = defineOptions({
  type: { flag: 'type', argument: '<ecdsa|bls>', description: 'key type', schema: keyType, required: true },
  out: {
    flag: 'out',
    argument: '<path>',
    description: 'keystore file to write',
    schema: z.string().min(1),
    required: true,
  },
  passwordFile: {
    flag: 'password-file',
    argument: '<path>',
    description: 'file holding the keystore password (else AVSKIT_KEY_PASSWORD, else a prompt)',
    schema: z.string().min(1),
  },
})

const privateKeyOption = defineOptions({
  privateKey: {
    flag: 'private-key',
    argument: '<key>',
    description: 'private key to import: 0x-hex for ECDSA, decimal or 0x-hex for BLS (else AVSKIT_PRIVATE_KEY)',
    schema: z.string().min(1),
    secret: true,
    required: true,
  },
})

function password(file: string | undefined, path: string): Promise<string> {
  return resolvePassword({ label: `keystore ${path}`, file, fileFlag: '--password-file', env: 'AVSKIT_KEY_PASSWORD' })
}

async function writeKey(
  options: { type: 'ecdsa' | 'bls'; out: string; passwordFile?: string | undefined },
  key?: string,
) {
  const pass = await password(options.passwordFile, options.out)
  if (options.type === 'ecdsa') {
    const created = await createEcdsaKeystore({ password: pass, privateKey: key })
    await writeKeystoreFile(options.out, created.keystore)
    return { type: 'ecdsa', path: options.out, address: created.address }
  }
  await initBn254()
  const created = await createBlsKeystore({
    password: pass,
    privateKey: key === undefined ? undefined : parseBlsPrivateKey(key),
  })
  await writeKeystoreFile(options.out, created.keystore)
  const { keyPair } = created
  return {
    type: 'bls',
    path: options.out,
    g1: g1ToJson(keyPair.g1),
    g2: g2ToJson(keyPair.g2),
    operatorId: keyPair.operatorId,
  }
}

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('operator keystores: ECDSA (Web3 Secret Storage v3) and BLS')

  addCommand(keys, {
    name: 'create',
    description: 'create a keystore holding a new random key',
    options: writeOptions,
    async run({ options }) {
      printJson(await writeKey(options))
      return 0
    },
  })

  addCommand(keys, {
    name: 'import',
    description: 'encrypt an existing private key into a keystore',
    options: { ...writeOptions, ...privateKeyOption },
    async run({ options }) {
      printJson(await writeKey(options, options.privateKey))
      return 0
    },
  })

  addCommand(keys, {
    name: 'show',
    description: 'decrypt a keystore and print its public keys (never the private key)',
    arguments: '<path>',
    options: {
      passwordFile: writeOptions.passwordFile,
    },
    async run({ options, args }) {
      const path = args[0] as string
      const file = await readKeystoreFile(path)
      const pass = await password(options.passwordFile, path)
      if (file.keyType === 'ecdsa') {
        const { address } = await readEcdsaKeystoreFile(path, pass)
        printJson({ type: 'ecdsa', format: file.format, address })
        return 0
      }
      await initBn254()
      const { keyPair } = await readBlsKeystoreFile(path, pass)
      printJson({
        type: 'bls',
        format: file.format,
        g1: g1ToJson(keyPair.g1),
        g2: g2ToJson(keyPair.g2),
        operatorId: keyPair.operatorId,
      })
      return 0
    },
  })
}

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import {
  artifactsDirectory,
  camelContractName,
  compileContracts,
  renderArtifacts,
  repositoryRoot,
} from '../../../scripts/compileContracts.js'

describe('contract artifacts', () => {
  test('match a fresh compile of contracts/ (run `npm run contracts` when this fails)', () => {
    const expected = renderArtifacts(compileContracts())
    const directory = join(repositoryRoot, artifactsDirectory)
    const committed = readdirSync(directory).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    expect(committed.sort()).toEqual([...expected.keys()].sort())
    for (const [file, content] of expected) {
      expect(readFileSync(join(directory, file), 'utf8'), `${file} is stale`).toBe(content)
    }
  })
})

describe('camelContractName', () => {
  test('lowercases a leading acronym up to the next word', () => {
    expect(camelContractName('BLSApkRegistry')).toBe('blsApkRegistry')
    expect(camelContractName('AVSDirectory')).toBe('avsDirectory')
    expect(camelContractName('TaskManager')).toBe('taskManager')
    expect(camelContractName('BN254')).toBe('bn254')
    expect(camelContractName('ServiceManager')).toBe('serviceManager')
  })
})

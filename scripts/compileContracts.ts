/**
 * Compiles `contracts/**\/*.sol` with solc-js (the npm `solc`, no native toolchain) and writes one TypeScript module
 * per deployable contract to `src/chain/artifacts/`: `export const <camelName>Abi = [...] as const` and
 * `export const <camelName>Bytecode = '0x…' as const`, plus an `index.ts` re-exporting them all.
 *
 * A deployable contract is the contract named after a file directly in `contracts/` (`contracts/TaskManager.sol` →
 * `TaskManager`); `contracts/libraries`, `contracts/interfaces` and `contracts/access` only hold what those import.
 *
 * The output is deterministic so that `src/chain/artifacts/artifacts.test.ts` can recompile and compare: sources are
 * read in sorted order under repository-relative names, the bytecode carries no metadata hash (comments do not change
 * it), and the rendered text depends only on the sources and the solc version.
 *
 * Run: `npm run contracts`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import solc from 'solc'

export const repositoryRoot = fileURLToPath(new URL('..', import.meta.url))
export const contractsDirectory = 'contracts'
export const artifactsDirectory = join('src', 'chain', 'artifacts')

/** anvil supports every fork up to Prague; cancun is the newest that all EVM tooling we target accepts. */
export const compilerSettings = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const

/** EIP-170 limit on deployed code size. */
const maxDeployedBytecodeBytes = 24_576

export type SolidityAbi = readonly Record<string, unknown>[]

export type CompiledContract = {
  /** Contract name, e.g. `BLSApkRegistry`. */
  name: string
  /** Source unit, e.g. `contracts/BLSApkRegistry.sol`. */
  sourcePath: string
  abi: SolidityAbi
  bytecode: `0x${string}`
  deployedBytecodeBytes: number
}

export type CompileResult = {
  solcVersion: string
  contracts: CompiledContract[]
  warnings: string[]
}

type SolcOutput = {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[]
  contracts?: Record<
    string,
    Record<string, { abi: SolidityAbi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >
}

/** Every `.sol` file under `contracts/`, keyed by its repository-relative POSIX path, in sorted order. */
export function readContractSources(root: string = repositoryRoot): Record<string, { content: string }> {
  const files: string[] = []
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.sol')) files.push(relative(root, path).split(sep).join('/'))
    }
  }
  walk(join(root, contractsDirectory))
  files.sort()
  const sources: Record<string, { content: string }> = {}
  for (const file of files) sources[file] = { content: readFileSync(join(root, file), 'utf8') }
  return sources
}

/** Compiles the given sources; throws with solc's messages on any compile error. */
export function compileContracts(sources: Record<string, { content: string }> = readContractSources()): CompileResult {
  const input = { language: 'Solidity', sources, settings: compilerSettings }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput
  const problems = output.errors ?? []
  const errors = problems.filter((problem) => problem.severity === 'error')
  if (errors.length > 0) {
    throw new Error(`solc failed:\n${errors.map((error) => error.formattedMessage).join('\n')}`)
  }

  const contracts: CompiledContract[] = []
  for (const sourcePath of Object.keys(sources)) {
    if (!isDeployableSource(sourcePath)) continue
    const name = sourcePath.slice(`${contractsDirectory}/`.length, -'.sol'.length)
    const compiled = output.contracts?.[sourcePath]?.[name]
    if (!compiled) throw new Error(`${sourcePath} must define a contract named ${name}.`)
    const deployedBytecodeBytes = compiled.evm.deployedBytecode.object.length / 2
    if (deployedBytecodeBytes > maxDeployedBytecodeBytes) {
      throw new Error(`${name} deploys ${deployedBytecodeBytes} bytes, above the EIP-170 limit of 24576.`)
    }
    contracts.push({
      name,
      sourcePath,
      abi: compiled.abi,
      bytecode: `0x${compiled.evm.bytecode.object}`,
      deployedBytecodeBytes,
    })
  }
  return {
    solcVersion: solc.version() as string,
    contracts,
    warnings: problems.filter((problem) => problem.severity === 'warning').map((problem) => problem.formattedMessage),
  }
}

function isDeployableSource(sourcePath: string): boolean {
  const rest = sourcePath.slice(`${contractsDirectory}/`.length)
  return sourcePath.startsWith(`${contractsDirectory}/`) && !rest.includes('/') && rest.endsWith('.sol')
}

/** `BLSApkRegistry` → `blsApkRegistry`, `AVSDirectory` → `avsDirectory`, `TaskManager` → `taskManager`. */
export function camelContractName(name: string): string {
  const capitals = /^[A-Z]+/.exec(name)?.[0] ?? ''
  // In a run of capitals followed by lowercase, the last capital starts the next word (BLSApk → bls + Apk).
  const nextIsLowercase = /[a-z]/.test(name.charAt(capitals.length))
  const end = capitals.length > 1 && nextIsLowercase ? capitals.length - 1 : Math.max(capitals.length, 1)
  return name.slice(0, end).toLowerCase() + name.slice(end)
}

/** The artifact files, by file name inside `src/chain/artifacts/`. */
export function renderArtifacts(result: CompileResult): Map<string, string> {
  const files = new Map<string, string>()
  const header = (source: string) =>
    `// Generated by \`npm run contracts\` (scripts/compileContracts.ts) from ${source}. Do not edit.\n` +
    `// solc ${result.solcVersion}, evmVersion ${compilerSettings.evmVersion}, optimizer ${compilerSettings.optimizer.runs} runs.\n`
  const contracts = [...result.contracts].sort((a, b) => a.name.localeCompare(b.name))
  for (const contract of contracts) {
    const camel = camelContractName(contract.name)
    files.set(
      `${camel}.ts`,
      `${header(contract.sourcePath)}\n` +
        `export const ${camel}Abi = ${JSON.stringify(contract.abi, null, 2)} as const\n\n` +
        `export const ${camel}Bytecode = '${contract.bytecode}' as const\n`,
    )
  }
  const index = contracts.map((contract) => {
    const camel = camelContractName(contract.name)
    return `export { ${camel}Abi, ${camel}Bytecode } from './${camel}.js'\n`
  })
  files.set('index.ts', `${header('contracts/*.sol')}\n${index.join('')}`)
  return files
}

function main(): void {
  const started = performance.now()
  const result = compileContracts()
  for (const warning of result.warnings) console.warn(warning)
  const files = renderArtifacts(result)
  for (const [name, content] of files) writeFileSync(join(repositoryRoot, artifactsDirectory, name), content)
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  for (const contract of result.contracts) {
    console.log(`${contract.name.padEnd(24)} ${String(contract.deployedBytecodeBytes).padStart(6)} bytes deployed`)
  }
  console.log(`Wrote ${files.size} files to ${artifactsDirectory} in ${seconds} s (solc ${result.solcVersion}).`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main()

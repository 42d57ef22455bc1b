#!/usr/bin/env node
/**
 * Adds the other platforms' optional binary packages (biome, anvil) to package-lock.json when npm left them
 * out. npm writes a lockfile entry only for packages whose metadata it could read; a registry mirror that holds
 * just this machine's platform builds makes it drop the others, and `npm ci` then refuses the lockfile
 * ("Missing: … from lock file") on every machine. An entry needs only the version and its os/cpu (npm skips
 * it on other platforms and fetches it by name and version where it applies).
 *
 * Run after `npm install`: node scripts/completeLockfile.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs'

const path = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(path, 'utf8'))
const cpus = {
  x64: 'x64',
  amd64: 'x64',
  x86_64: 'x64',
  arm64: 'arm64',
  aarch64: 'arm64',
  armv7: 'arm',
  arm: 'arm',
  ia32: 'ia32',
  x86: 'ia32',
  ppc64: 'ppc64',
  ppc64le: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips64el: 'mips64el',
}
let added = 0

for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const target = `node_modules/${name}`
    if (lock.packages[target] || !key.startsWith('node_modules/')) continue
    const match =
      /-(linux|darwin|win32|android|freebsd|openbsd|netbsd|sunos|aix|openharmony)-([a-z0-9_]+?)(-musl|-gnu|-msvc)?$/.exec(
        name,
      )
    if (!match) continue
    const [, os, arch, libc] = match
    const cpu = cpus[arch]
    if (!cpu) continue
    lock.packages[target] = {
      version,
      cpu: [cpu],
      ...(libc === '-musl' ? { libc: ['musl'] } : libc === '-gnu' ? { libc: ['glibc'] } : {}),
      optional: true,
      os: [os],
    }
    added++
  }
}

lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
)
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`package-lock.json: added ${added} platform package entries`)

/**
 * Input limits for a check-in. Every string and repeated field of `aggregator.Checkin` has a bound, numbers must fit
 * what is stored (JSON-safe integers, ports), and the address must be an Ethereum address; a check-in that breaks a
 * rule is refused with INVALID_ARGUMENT naming the field, its value's size and the bound, before anything costly
 * (signature recovery, a chain lookup) runs. The whole message is also bounded by the gRPC server's receive limit.
 */
import { isIP } from 'node:net'
import { type Address, getAddress, isAddress } from 'viem'
import type { Checkin } from '../gen/checkin.js'
import { CheckinRefusedError } from './checkinRefusedError.js'

/** The bounds, in UTF-8 bytes for strings and entries for repeated fields. */
export const checkinLimits = {
  /** `id`: the operator's own name for itself (Ava operators send their address); not stored. */
  idBytes: 128,
  /** `signature`: the legacy in-message signature field; not used (authentication is in the metadata). */
  signatureBytes: 512,
  versionBytes: 64,
  remoteIpBytes: 64,
  supportedChainIds: 64,
} as const

/** A check-in that passed every rule, in the types the pool stores. */
export type ValidCheckin = {
  address: Address
  version: string
  metricsPort: number
  reportedIp: string
  blockNumber: number
  eventCount: number
  supportedChainIds: number[]
}

export class InvalidCheckinError extends CheckinRefusedError {
  override name = 'InvalidCheckinError'
  constructor(message: string) {
    super('invalid', `invalid check-in: ${message}`)
  }
}

// viem remembers 8 192 checksums; a pool checks in tens of thousands of operators, so keep our own.
const checksums = new Map<string, Address>()
const maxChecksums = 200_000

/** The EIP-55 form of an address, remembered (computing it is a keccak256). */
function checksummed(address: string): Address {
  const key = address.toLowerCase()
  let known = checksums.get(key)
  if (!known) {
    known = getAddress(key)
    if (checksums.size >= maxChecksums) checksums.clear()
    checksums.set(key, known)
  }
  return known
}

/** C0 control characters and DEL: they would let an operator rewrite log lines and alert texts. */
function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || code === 0x7f) return true
  }
  return false
}

/**
 * Checks a decoded check-in against `checkinLimits`; throws `InvalidCheckinError` (INVALID_ARGUMENT) on the first
 * rule it breaks.
 *
 * @example
 * const checkin = validateCheckin(call.request) // { address: '0xAbC…', version: 'v1.2.0', … }
 */
export function validateCheckin(checkin: Checkin): ValidCheckin {
  assertBytes('id', checkin.id, checkinLimits.idBytes)
  assertBytes('signature', checkin.signature, checkinLimits.signatureBytes)
  assertBytes('version', checkin.version, checkinLimits.versionBytes)
  assertBytes('remoteIP', checkin.remoteIP, checkinLimits.remoteIpBytes)
  if (hasControlCharacters(checkin.version)) throw new InvalidCheckinError('version contains control characters')
  if (checkin.remoteIP !== '' && isIP(checkin.remoteIP) === 0) {
    throw new InvalidCheckinError(`remoteIP must be an IPv4 or IPv6 address or empty, got ${quote(checkin.remoteIP)}`)
  }
  if (checkin.address === '') throw new InvalidCheckinError('address is required (the operator address, 0x…)')
  if (checkin.address.length > 42 || !isAddress(checkin.address, { strict: false })) {
    throw new InvalidCheckinError(`address must be a 0x-prefixed 20-byte hex address, got ${quote(checkin.address)}`)
  }
  if (checkin.metricsPort < 0 || checkin.metricsPort > 65_535) {
    throw new InvalidCheckinError(`metricsPort must be from 0 to 65535, got ${checkin.metricsPort}`)
  }
  const blockNumber = safeCount('block_number', checkin.blockNumber)
  const eventCount = safeCount('event_count', checkin.eventCount)
  if (checkin.supportedChainIds.length > checkinLimits.supportedChainIds) {
    throw new InvalidCheckinError(
      `supported_chain_ids has ${checkin.supportedChainIds.length} entries; at most ${checkinLimits.supportedChainIds} are accepted`,
    )
  }
  const supportedChainIds = checkin.supportedChainIds.map((id, i) => {
    if (id < 1n || id > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new InvalidCheckinError(`supported_chain_ids[${i}] must be from 1 to 2^53-1, got ${id}`)
    }
    return Number(id)
  })
  return {
    address: checksummed(checkin.address),
    version: checkin.version,
    metricsPort: checkin.metricsPort,
    reportedIp: checkin.remoteIP,
    blockNumber,
    eventCount,
    supportedChainIds,
  }
}

function assertBytes(field: string, value: string, limit: number): void {
  // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: measure only when it could be over.
  if (value.length * 3 <= limit) return
  const bytes = Buffer.byteLength(value, 'utf8')
  if (bytes > limit) throw new InvalidCheckinError(`${field} is ${bytes} bytes long; at most ${limit} are accepted`)
}

function safeCount(field: string, value: bigint): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidCheckinError(`${field} must be from 0 to 2^53-1, got ${value}`)
  }
  return Number(value)
}

/** A field value for an error message: JSON-quoted and cut to 48 characters. */
function quote(value: string): string {
  return JSON.stringify(value.length > 48 ? `${value.slice(0, 48)}…` : value)
}

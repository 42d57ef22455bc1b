/**
 * The event selector a log carries in `topics[0]`: keccak256 of the event's canonical signature
 * (`Name(type1,type2,…)`, tuples expanded, no names, no `indexed`), per the Solidity ABI spec's "Events".
 */
import { type AbiEvent, type Hex, toEventSelector } from 'viem'
import { BaseError } from '../../core/errors.js'

/**
 * @example
 * topic0(parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)'))
 * // 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef
 */
export function topic0(event: AbiEvent): Hex {
  if (event.anonymous) {
    throw new BaseError(`Event ${event.name} is anonymous: its logs carry no selector in topics[0].`)
  }
  return toEventSelector(event)
}

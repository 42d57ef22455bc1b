/**
 * Errors for keystores. Both are bad input (exit code 2): the user gave a wrong password or a damaged file.
 * Messages name the file and the JSON field; they never contain a password, a derived key or a private key.
 */
import { type BaseErrorParameters, InvalidInputError } from '../../core/errors.js'

/** The password does not open the keystore (the MAC or checksum did not match). */
export class WrongPasswordError extends InvalidInputError {
  override name = 'WrongPasswordError'
  constructor(source: string, parameters: Omit<BaseErrorParameters, 'exitCode'> = {}) {
    super(`wrong password for keystore ${source}`, parameters)
  }
}

/** The keystore is not valid JSON, has an unknown format, or a field is missing or malformed. */
export class InvalidKeystoreError extends InvalidInputError {
  override name = 'InvalidKeystoreError'
  readonly field: string | undefined
  constructor(
    source: string,
    problem: string,
    parameters: Omit<BaseErrorParameters, 'exitCode'> & { field?: string | undefined } = {},
  ) {
    const { field, ...rest } = parameters
    super(`invalid keystore ${source}: ${field === undefined ? '' : `field "${field}" `}${problem}`, rest)
    this.field = field
  }
}

/** Describes a JSON value for an error message without echoing its content (it could be secret material). */
export function describeJsonValue(value: unknown): string {
  if (value === undefined) return 'nothing (missing)'
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array of ${value.length} items`
  if (typeof value === 'string') return `a string of ${value.length} characters`
  if (typeof value === 'number') return `the number ${value}`
  if (typeof value === 'boolean') return `${value}`
  return `a ${typeof value}`
}

/**
 * Why a check-in was refused: the gRPC status the operator receives, a message naming the rule, and the rule as a
 * short name for the `avskit_pool_checkins_total{outcome}` metric. Nothing is stored for a refused check-in.
 */
import { GrpcStatus, GrpcStatusError } from '../core/grpcServer.js'

export type CheckinRule =
  /** A field breaks its limit (INVALID_ARGUMENT). */
  | 'invalid'
  /** No authorization metadata (UNAUTHENTICATED). */
  | 'unsigned'
  /** Authorization present but not `Bearer <epoch>.<signature>` (UNAUTHENTICATED). */
  | 'malformed_token'
  /** Epoch older than the window (UNAUTHENTICATED). */
  | 'expired'
  /** Epoch ahead of the window (UNAUTHENTICATED). */
  | 'future'
  /** Epoch not newer than the last accepted one (UNAUTHENTICATED). */
  | 'replayed'
  /** Not signed by the claimed address (UNAUTHENTICATED). */
  | 'bad_signature'
  /** Not registered with the RegistryCoordinator (PERMISSION_DENIED). */
  | 'unregistered'
  /** Registration or storage unavailable (UNAVAILABLE). */
  | 'unavailable'
  /** Too many check-ins waiting (RESOURCE_EXHAUSTED). */
  | 'overloaded'

const codes: Record<CheckinRule, number> = {
  invalid: GrpcStatus.INVALID_ARGUMENT,
  unsigned: GrpcStatus.UNAUTHENTICATED,
  malformed_token: GrpcStatus.UNAUTHENTICATED,
  expired: GrpcStatus.UNAUTHENTICATED,
  future: GrpcStatus.UNAUTHENTICATED,
  replayed: GrpcStatus.UNAUTHENTICATED,
  bad_signature: GrpcStatus.UNAUTHENTICATED,
  unregistered: GrpcStatus.PERMISSION_DENIED,
  unavailable: GrpcStatus.UNAVAILABLE,
  overloaded: GrpcStatus.RESOURCE_EXHAUSTED,
}

export class CheckinRefusedError extends GrpcStatusError {
  override name = 'CheckinRefusedError'
  constructor(
    readonly rule: CheckinRule,
    message: string,
  ) {
    super(codes[rule], message)
  }
}

/**
 * The two xDS protocol variants as values, so one stream lifecycle (stream.ts) drives either
 * without branching on types: how a raw request reads (names for the limits, the request a state
 * machine takes), which state machine serves a type, and the response's field numbers.
 */
import type { ResourceTypeUrl } from '../../proto/type-urls.js';
import { DeltaState, type DeltaRequest } from './delta.js';
import type { Outgoing, PushContext } from './push.js';
import { errorDetail, type RawDeltaRequest, type RawSotwRequest } from './requests.js';
import { SotwState, type SotwRequest } from './sotw.js';
import type { HandleResult, TypeState } from './type-state.js';
import { DeltaField, SotwField } from './wire.js';


/** One resource type's state machine on one stream (SotwState, DeltaState). */
export interface Machine<Req> extends TypeState {
  /** Applies a request of this type; says what it was with respect to earlier responses. */
  handle(req: Req, now: number): HandleResult;
  /** The responses the current state calls for (nothing is recorded until `commit`). */
  next(ctx: PushContext): readonly Outgoing[];
  /** Records `out` as sent under `nonce`. */
  commit(nonce: string, out: Outgoing, now: number): void;
  /** Whether responses are unanswered or the next push would send something. */
  busy(ctx: PushContext): boolean;
}

export interface Protocol<Raw, Req> {
  readonly delta: boolean;
  readonly fields: { readonly nonce: number; readonly controlPlane: number };
  /** Every name list a request carries, for the per-request limits. */
  names(raw: Raw): readonly (readonly string[])[];
  /** The request as its state machine takes it; `error_detail` cut to `detailBytes`. */
  request(raw: Raw, detailBytes: number): Req;
  machine(typeUrl: ResourceTypeUrl): Machine<Req>;
}

export const sotwProtocol: Protocol<RawSotwRequest, SotwRequest> = {
  delta: false,
  fields: SotwField,
  names: (r) => [r.resource_names ?? []],
  request: (r, detailBytes) => ({
    names: r.resource_names ?? [],
    versionInfo: r.version_info ?? '',
    nonce: r.response_nonce ?? '',
    error: errorDetail(r.error_detail, detailBytes),
  }),
  machine: (typeUrl) => new SotwState(typeUrl),
};

export const deltaProtocol: Protocol<RawDeltaRequest, DeltaRequest> = {
  delta: true,
  fields: DeltaField,
  names: (r) => [r.resource_names_subscribe ?? [], r.resource_names_unsubscribe ?? [], Object.keys(r.initial_resource_versions ?? {})],
  request: (r, detailBytes) => ({
    subscribe: r.resource_names_subscribe ?? [],
    unsubscribe: r.resource_names_unsubscribe ?? [],
    initialVersions: r.initial_resource_versions ?? {},
    nonce: r.response_nonce ?? '',
    error: errorDetail(r.error_detail, detailBytes),
  }),
  machine: (typeUrl) => new DeltaState(typeUrl),
};

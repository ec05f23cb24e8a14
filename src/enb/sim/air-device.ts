import type { EpochMs } from '../../clock/index.ts';
import type { LossSpec } from '../../mbms/transport/index.ts';
import type { DeviceId } from '../backend.ts';
import type { CoverageLevel, Rat } from './bearer.ts';

/**
 * A device as the simulated air interface sees it. The emulated bench wires each emulated module (with
 * its MBMS client) in as one; the eNB never looks further inside.
 */
export interface AirDevice {
  readonly id: DeviceId;
  /** Monitoring the SC-PTM session of tmgi right now: awake (not in PSM), registered, service joined. */
  tuned(tmgi: string): boolean;
  /** A packet of the session reached the device (after the air's loss). */
  receive(tmgi: string, packet: Uint8Array): void;
  /** The session of tmgi went on air / off air (SC-MCCH change notification). */
  sessionStarted(tmgi: string): void;
  sessionEnded(tmgi: string): void;
  /** When the network can page it next: an instant, 'psm' (sleeping: not until it wakes), 'off'. */
  nextPagingOccasion(): EpochMs | 'psm' | 'off';
  /** Paged (mobile-terminated): the device connects at its paging occasion. */
  paged(): void;
}

/** Where a device sits on the air. */
export interface AirPlacement {
  rat?: Rat;
  /** CE level (0 normal, 1 robust, 2 extreme coverage). Default 0. */
  coverage?: CoverageLevel;
  /**
   * Packet loss on this device's link. Default: each transport block is lost with the block error rate of
   * its coverage level, and a packet is lost when any of its blocks is.
   */
  loss?: LossSpec;
}

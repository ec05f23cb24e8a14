import type { FlashOperation } from './fault-point.ts';

/** A flash rule was broken (alignment, write-once, range) or a bad region refused a write. */
export class FlashError extends Error {
  override name = 'FlashError';
}

/**
 * Power went away at a fault point. Everything in RAM is gone: the caller re-creates the agent from flash
 * (after `flash.powerCycle()`); the flash refuses every operation until then.
 */
export class PowerCutError extends Error {
  override name = 'PowerCutError';
  readonly operation: FlashOperation;
  readonly cut: 'before' | 'tear' | 'after' | 'unpowered';

  constructor(operation: FlashOperation, cut: PowerCutError['cut']) {
    super(
      `flash: power cut (${cut}) at op #${operation.index}: ${operation.kind} ` +
        `0x${operation.offset.toString(16)}+${operation.length}`,
    );
    this.operation = operation;
    this.cut = cut;
  }
}

/**
 * The npm `raptorq` package (cberner/raptorq compiled to wasm), loaded synchronously from its own file on
 * first use: no network, no async init, nothing at import time.
 *
 * A Rust panic inside the wasm (e.g. an SBN beyond Z) leaves the instance unusable — its stack pointer is not
 * restored, so every later call traps too. Callers validate everything first; if a trap happens anyway, the
 * instance is replaced by a fresh one and objects made by the old one are refused (their pointers refer to
 * the old memory), which the generation number tells.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Decoder, Encoder, initSync } from 'raptorq/raptorq.js';
import { FecError } from './types.ts';

export { Decoder as RaptorqWasmDecoder, Encoder as RaptorqWasmEncoder };

let wasmBytes: Uint8Array | undefined;
let generation = 0;
let poisoned = true;

function instantiate(): void {
  wasmBytes ??= readFileSync(createRequire(import.meta.url).resolve('raptorq/raptorq_bg.wasm'));
  initSync(wasmBytes);
  generation++;
  poisoned = false;
}

/** The current instance's generation, instantiating it if needed. */
export function raptorqGeneration(): number {
  if (poisoned) instantiate();
  return generation;
}

/** Run `fn` against the wasm; a trap becomes a FecError naming `what`, and the instance is replaced on next use. */
export function callRaptorq<R>(what: string, fn: () => R): R {
  raptorqGeneration();
  try {
    return fn();
  } catch (err) {
    poisoned = true;
    const message = err instanceof Error ? err.message : String(err);
    throw new FecError(`raptorq wasm: ${what} trapped (${message}); the instance will be reloaded`);
  }
}

/** Free wasm objects whose owners were dropped without being disposed. */
export const raptorqFinalizer = new FinalizationRegistry<{ object: { free(): void }; generation: number }>(
  ({ object, generation: made }) => {
    if (made === generation && !poisoned) object.free();
  },
);

/** Whether an object made in generation `made` is still usable. */
export function raptorqAlive(made: number): boolean {
  return made === generation && !poisoned;
}

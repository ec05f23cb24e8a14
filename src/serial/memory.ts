import { Duplex } from 'node:stream';

export interface DuplexPairOptions {
  /**
   * Called whenever bytes enter or leave the wire. Pass a VirtualClock's poke() so virtual time
   * does not jump ahead while bytes are still travelling between the two ends.
   */
  onTransfer?: () => void;
  /** Readable buffer size of each end before the writer is held back (default 64 KiB). */
  highWaterMark?: number;
}

/**
 * Two connected in-memory byte streams, like the two ends of a cable: bytes written to one end
 * are read from the other, in order, delivered on a later event-loop turn (never synchronously,
 * so code cannot come to rely on a reply arriving inside its own write call).
 *
 * - Backpressure: a write completes once the peer has room for it.
 * - end(): the peer reads everything written before it, then sees 'end'.
 * - destroy(): the peer is destroyed too (without an error: an error is the destroying side's own).
 */
export function duplexPair(options: DuplexPairOptions = {}): [Duplex, Duplex] {
  const a = new WireEnd(options);
  const b = new WireEnd(options);
  a.connect(b);
  b.connect(a);
  return [a, b];
}

class WireEnd extends Duplex {
  #peer: WireEnd | undefined;
  // The writer's callback for the last chunk, held while this end's reader is full.
  #heldWriteCallback: (() => void) | undefined;
  readonly #onTransfer: () => void;

  constructor(options: DuplexPairOptions) {
    const highWaterMark = options.highWaterMark ?? 64 * 1024;
    super({ readableHighWaterMark: highWaterMark, writableHighWaterMark: highWaterMark });
    this.#onTransfer = options.onTransfer ?? (() => {});
  }

  connect(peer: WireEnd): void {
    this.#peer = peer;
  }

  /** Called by the peer's writer: deliver a chunk into this end's readable side. */
  deliver(chunk: Buffer, done: () => void): void {
    if (this.destroyed || this.readableEnded) {
      done(); // nobody is listening any more: bytes fall off the end of the wire
      return;
    }
    this.#onTransfer();
    if (this.push(chunk)) done();
    else this.#heldWriteCallback = done;
  }

  /** Called by the peer's writer on end(). */
  deliverEnd(): void {
    if (!this.destroyed) this.push(null);
  }

  override _read(): void {
    const held = this.#heldWriteCallback;
    this.#heldWriteCallback = undefined;
    held?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.#peer!;
    this.#onTransfer();
    // setImmediate keeps chunks in order (FIFO) and makes delivery asynchronous, like a wire.
    setImmediate(() => peer.deliver(chunk, () => callback()));
  }

  override _final(callback: (error?: Error | null) => void): void {
    const peer = this.#peer!;
    setImmediate(() => {
      peer.deliverEnd();
      this.#onTransfer();
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.#peer;
    // A writer blocked on our full buffer must not hang forever.
    this._read();
    if (peer && !peer.destroyed) setImmediate(() => peer.destroy());
    this.#onTransfer();
    callback(error);
  }
}

import type { BoardPort } from './device-port.ts';

const START = 0xa0;
const FRAME = 4;

/**
 * The MCU side of an LCUS board: it hunts for the 0xA0 start mark, takes four bytes, and acts only
 * when the fourth is the low byte of the sum of the first three. A bad checksum drops the start
 * mark and hunts again from the next byte, so a lost byte costs one command, not the link.
 * The board answers nothing.
 */
export class LcusDecoder {
  readonly #board: BoardPort;
  #pending: number[] = [];

  constructor(board: BoardPort) {
    this.#board = board;
  }

  push(bytes: Buffer): void {
    for (const byte of bytes) {
      if (this.#pending.length === 0 && byte !== START) continue;
      this.#pending.push(byte);
      if (this.#pending.length < FRAME) continue;
      this.#frame(this.#pending);
    }
  }

  #frame(bytes: number[]): void {
    const [start, channel, op, sum] = bytes as [number, number, number, number];
    const raw = Buffer.from(bytes);
    if (((start + channel + op) & 0xff) !== sum) {
      this.#board.received(raw, false, 'checksum');
      // Resync: the next start mark may be inside what was taken as this frame.
      const next = bytes.indexOf(START, 1);
      this.#pending = next < 0 ? [] : bytes.slice(next);
      return;
    }
    this.#pending = [];
    const first = this.#board.firstChannel;
    if (channel < first || channel >= first + this.#board.channelCount) {
      this.#board.received(raw, false, `no channel ${channel}`);
      return;
    }
    if (op !== 0 && op !== 1) {
      this.#board.received(raw, false, `operation 0x${op.toString(16)}`);
      return;
    }
    this.#board.received(raw, true);
    this.#board.set(channel, op === 1);
  }
}

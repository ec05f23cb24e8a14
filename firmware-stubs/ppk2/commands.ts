/**
 * Host → PPK2 commands: raw bytes, an opcode and a fixed-length payload, no framing, no checksum, no
 * acknowledgement (reference §1.2). Bytes may arrive in any chunking, so the reader keeps what it has not
 * yet been able to frame.
 */

export const OPCODES = {
  NoOp: 0x00,
  TriggerSet: 0x01,
  AvgNumSet: 0x02,
  TriggerWindowSet: 0x03,
  TriggerIntervalSet: 0x04,
  TriggerSingleSet: 0x05,
  AverageStart: 0x06,
  AverageStop: 0x07,
  RangeSet: 0x08,
  LcdSet: 0x09,
  TriggerStop: 0x0a,
  DeviceRunningSet: 0x0c,
  RegulatorSet: 0x0d,
  SwitchPointDown: 0x0e,
  SwitchPointUp: 0x0f,
  TriggerExtToggle: 0x10,
  SetPowerMode: 0x11,
  ResUserSet: 0x12,
  SpikeFilteringOn: 0x15,
  SpikeFilteringOff: 0x16,
  GetMetadata: 0x19,
  Reset: 0x20,
  SetUserGains: 0x25,
} as const;

export type OpcodeName = keyof typeof OPCODES;

// Payload bytes after the opcode. Commands the PPK2 firmware does not act on keep their payload length
// so that their arguments are not read as opcodes.
const PAYLOAD_LENGTH: Partial<Record<OpcodeName, number>> = {
  TriggerSet: 2,
  AvgNumSet: 1,
  TriggerWindowSet: 1,
  TriggerIntervalSet: 1,
  RangeSet: 1,
  DeviceRunningSet: 1,
  RegulatorSet: 2,
  SwitchPointDown: 1,
  SwitchPointUp: 1,
  SetPowerMode: 1,
  ResUserSet: 5,
  SetUserGains: 5,
};

const NAME_OF = new Map<number, OpcodeName>(
  Object.entries(OPCODES).map(([name, code]) => [code, name as OpcodeName]),
);

export interface Ppk2Command {
  opcode: number;
  /** 'unknown' for a byte that is no PPK2 opcode (skipped on its own, as the device ignores it). */
  name: OpcodeName | 'unknown';
  payload: Buffer;
}

/** Frames commands out of a byte stream that may be split anywhere. */
export class CommandReader {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Ppk2Command[] {
    let buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    const commands: Ppk2Command[] = [];
    while (buf.length > 0) {
      const opcode = buf[0]!;
      const name = NAME_OF.get(opcode);
      const length = name ? (PAYLOAD_LENGTH[name] ?? 0) : 0;
      if (buf.length < 1 + length) break; // the rest of this command is still on its way
      commands.push({ opcode, name: name ?? 'unknown', payload: Buffer.from(buf.subarray(1, 1 + length)) });
      buf = buf.subarray(1 + length);
    }
    this.#pending = Buffer.from(buf);
    return commands;
  }

  /** Forget a partly received command (device reset). */
  clear(): void {
    this.#pending = Buffer.alloc(0);
  }
}

import type { BoardPort } from './device-port.ts';

const EOL = '\n\r'; // what the module prints after each line (LF, then CR)
const PROMPT = '>';
const MAX_LINE = 64;

/**
 * The command line of a Numato relay module: every byte is echoed as it arrives; CR ends the line
 * (echoed as LF CR); the answer, if any, follows on its own LF CR-ended line, then the prompt.
 * Commands: ver, id get, relay on|off|read <n>, relay readall, reset. Channels 0–9, then A–V.
 */
export class NumatoConsole {
  readonly #board: BoardPort;
  readonly #version: string;
  #line = '';

  constructor(board: BoardPort, version: string) {
    this.#board = board;
    this.#version = version;
  }

  push(bytes: Buffer): void {
    for (const byte of bytes) {
      const c = String.fromCharCode(byte);
      if (c === '\n') continue; // some host programs end lines with LF CR; LF is dropped
      if (c === '\r') {
        const line = this.#line;
        this.#line = '';
        this.#board.send(EOL);
        const answer = this.#run(line.trim());
        this.#board.send(`${answer === undefined ? '' : answer + EOL}${PROMPT}`);
        continue;
      }
      this.#board.send(c);
      if (this.#line.length < MAX_LINE) this.#line += c;
    }
  }

  #run(line: string): string | undefined {
    if (line === '') return undefined;
    const words = line.split(/\s+/);
    const [verb, sub, arg] = words;
    if (verb === 'ver' && words.length === 1) return this.#accept(line, this.#version);
    if (verb === 'id' && sub === 'get') return this.#accept(line, '00000000');
    if (verb === 'reset' && words.length === 1) {
      for (let i = 0; i < this.#board.channelCount; i++) this.#board.set(this.#board.firstChannel + i, false);
      return this.#accept(line, undefined);
    }
    if (verb === 'relay' && sub === 'readall' && words.length === 2) {
      let mask = 0;
      for (let i = 0; i < this.#board.channelCount; i++) if (this.#board.energised(i)) mask |= 1 << i;
      const digits = Math.max(2, Math.ceil(this.#board.channelCount / 4));
      return this.#accept(line, (mask >>> 0).toString(16).toUpperCase().padStart(digits, '0'));
    }
    if (verb === 'relay' && (sub === 'on' || sub === 'off' || sub === 'read') && words.length === 3) {
      const channel = channelOf(arg!);
      if (channel === undefined || channel >= this.#board.channelCount) {
        this.#board.received(line, false, `no channel ${arg}`);
        return undefined;
      }
      if (sub === 'read') return this.#accept(line, this.#board.energised(channel) ? 'on' : 'off');
      this.#board.set(channel, sub === 'on');
      return this.#accept(line, undefined);
    }
    this.#board.received(line, false, 'unknown command');
    return undefined;
  }

  #accept(line: string, answer: string | undefined): string | undefined {
    this.#board.received(line, true);
    return answer;
  }
}

function channelOf(token: string): number | undefined {
  if (/^[0-9]$/.test(token)) return Number(token);
  if (/^[A-V]$/.test(token)) return token.charCodeAt(0) - 55;
  return undefined;
}

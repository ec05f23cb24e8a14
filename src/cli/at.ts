import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { AtDeviceError, AtError, formatEntry } from '../at/index.ts';
import { RealClock } from '../clock/index.ts';
import { connect } from './connect.ts';

export interface AtCommandOptions {
  port: string;
  commands: string[];
  baudRate: number;
  timeoutMs: number;
  lock: boolean;
  transcript: boolean;
  /** Append every transcript entry to this file as a JSON line, as it happens. */
  log?: string | undefined;
  out: NodeJS.WritableStream;
  input: NodeJS.ReadableStream;
}

/**
 * `rig at <port> [commands…]`: run the commands one by one and print each answer; with none, an
 * interactive console where URCs appear as they arrive. Exit status 1 when a command failed.
 */
export async function runAt(o: AtCommandOptions): Promise<number> {
  const clock = new RealClock();
  await using conn = await connect(o.port, { baudRate: o.baudRate, clock, lock: o.lock });
  const { engine } = conn;
  const say = (s: string) => o.out.write(`${s}\n`);
  if (o.transcript) engine.transcript.onEntry((e) => say(`  ${formatEntry(e)}`));
  const log = o.log;
  if (log) engine.transcript.onEntry((e) => appendFileSync(log, `${JSON.stringify(e)}\n`));
  engine.on('urc', (u) =>
    say(`${stamp(u.t)} URC ${u.line}${u.payload ? ` (+${u.payload.length} bytes)` : ''}`),
  );
  engine.on('unsolicited', (line) => say(`${stamp(clock.now())} ??? ${line}`));
  conn.link.on('down', (e?: Error) =>
    say(`${stamp(clock.now())} port went away${e ? `: ${e.message}` : ''}; waiting for it to return`),
  );
  conn.link.on('up', () => say(`${stamp(clock.now())} port is back`));

  const run = async (command: string): Promise<boolean> => {
    try {
      const r = await engine.send(command, { timeoutMs: o.timeoutMs });
      for (const l of r.lines) say(l);
      for (const p of r.payloads) say(`<${p.length} bytes>`);
      say(r.final.line);
      return true;
    } catch (e) {
      if (e instanceof AtDeviceError) say(e.final.line);
      else if (e instanceof AtError) say(`error: ${e.message}`);
      else throw e;
      return false;
    }
  };

  if (o.commands.length > 0) {
    let ok = true;
    for (const c of o.commands) ok = (await run(c)) && ok;
    return ok ? 0 : 1;
  }
  say(
    `connected to ${o.port} at ${o.baudRate} baud; type AT commands, URCs show as they arrive; Ctrl-D to quit`,
  );
  const rl = createInterface({ input: o.input, terminal: false });
  for await (const line of rl) {
    const command = line.trim();
    if (command === '') continue;
    await run(command);
  }
  return 0;
}

function stamp(t: number): string {
  return new Date(t).toISOString().slice(11, 23);
}

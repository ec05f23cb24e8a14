/**
 * C-06: multicast reception. The module joins a test TMGI, the bench's eNB opens a session for it now,
 * a small file goes out as FLUTE (Compact No-Code, at the rate the eNB granted, a short carousel), and
 * the module must report the file complete (#XMBMSFILE); where it has a file system the stored bytes are
 * compared with what was sent.
 */
import { AtDeviceError } from '../../../at/index.ts';
import type { Clock, EpochMs } from '../../../clock/index.ts';
import type { EnbSession } from '../../../enb/index.ts';
import { flute } from '../../../mbms/index.ts';
import type { MbmsFileEvent, Modem } from '../../../modem/index.ts';
import { RigError } from '../../scenario.ts';
import { modemOf } from '../device-power.ts';
import type { Requirement } from './spec.ts';

export const multicast: Requirement = {
  code: 'C-06',
  slug: 'multicast',
  title: (p) =>
    `C-06 receives a ${p.multicast.bytes}-byte file by multicast (FLUTE, no FEC) on TMGI ${p.multicast.tmgi.toUpperCase()}`,
  async run(s, d, ctx) {
    const p = ctx.params.multicast;
    const clock = ctx.clock;
    const modem = modemOf(d);
    const tmgi = p.tmgi.toUpperCase();
    // A new name each time: a client that already holds a file of that name would not report it again.
    const location = `http://rig.invalid/certification/${d.name}-${clock.now()}.bin`;
    const bytes = testFile(p.bytes, ctx.seed);
    await modem.wake();
    await modem.multicastEnable(true);
    await modem.multicastJoin(tmgi);
    try {
      const file = fileEvent(modem, clock, tmgi, location, p.timeout * 1000, s.signal);
      let session: EnbSession;
      try {
        session = await ctx.bench.enb.openSession(
          { tmgi, group: p.group, port: p.port, start: clock.now() },
          s.signal,
        );
      } catch (e) {
        throw new RigError(
          'infrastructure',
          `eNB ${ctx.bench.enb.kind}: opening a session for ${tmgi}: ${(e as Error).message}`,
        );
      }
      const onAir = clock.now();
      try {
        const sender = new flute.FluteSender({
          clock,
          sink: session.ingress,
          tsi: 1 + (ctx.seed % 0xfffe),
          fec: 0,
          rateBps: session.rateBps,
          repetitions: p.repetitions,
        });
        const sent = await sender.send([{ contentLocation: location, bytes }], s.signal);
        s.note(
          `${sent.packets} packets in ${p.repetitions} passes at ${Math.round(session.rateBps)} bit/s, ${Math.round(sent.durationMs)} ms`,
        );
      } finally {
        await session.close();
      }
      const got = await file;
      if (!got) return s.fail(`no #XMBMSFILE for ${location} within ${p.timeout} s of the session`);
      s.measure('multicastBytes', got.event.size);
      s.measure('multicastTime', (got.at - onAir) / 1000);
      if (got.event.status !== 'complete') s.fail(`the module reports the file ${got.event.status}`);
      if (got.event.size !== bytes.length)
        s.fail(`the module reports ${got.event.size} bytes, ${bytes.length} were sent`);
      await compareStored(s, modem, location, bytes);
    } finally {
      await modem.multicastLeave(tmgi).catch((e: unknown) => {
        if (!(e instanceof AtDeviceError)) throw e;
      });
    }
  },
};

/** The module's file event for this location, armed before the session starts. */
function fileEvent(
  modem: Modem,
  clock: Clock,
  tmgi: string,
  location: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ event: MbmsFileEvent; at: EpochMs } | undefined> {
  return new Promise((resolve, reject) => {
    const done = (v: { event: MbmsFileEvent; at: EpochMs } | undefined, error?: unknown) => {
      modem.off('mbms-file', onFile);
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
      if (error !== undefined) reject(error);
      else resolve(v);
    };
    const onFile = (event: MbmsFileEvent) => {
      if (event.tmgi === tmgi && event.contentLocation === location) done({ event, at: clock.now() });
    };
    const onAbort = () => done(undefined, signal.reason);
    // The bound runs from now: the session's own length is inside it.
    const timer = clock.setTimer(timeoutMs, () => done(undefined));
    modem.on('mbms-file', onFile);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Where the module has a file system, the stored file must be the bytes sent. */
async function compareStored(
  s: Parameters<Requirement['run']>[0],
  modem: Modem,
  location: string,
  sent: Buffer,
): Promise<void> {
  if (!modem.dialect.files) return;
  const name = location.slice(location.lastIndexOf('/') + 1);
  let stored: Buffer;
  try {
    stored = await modem.readFile(name);
  } catch (e) {
    s.note(`could not read ${name} back: ${(e as Error).message.split('\n')[0]}`);
    return;
  }
  if (!stored.equals(sent)) s.fail(`${name} as stored (${stored.length} bytes) differs from the file sent`);
  await modem.deleteFile(name).catch(() => {});
}

/** A seeded byte pattern, so a wrong offset or a stale file shows. */
function testFile(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

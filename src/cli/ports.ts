import { AtEngine } from '../at/index.ts';
import { RealClock } from '../clock/index.ts';
import { selectDialect } from '../modem/index.ts';
import { formatPortTable, listSerialPorts, openSerial, type SerialPortInfo } from '../serial/index.ts';

/** `rig ports [--probe]`: the serial ports present, and with --probe the model that answers on each. */
export async function runPorts(o: {
  probe: boolean;
  baudRate: number;
  extraPaths: string[];
  out: NodeJS.WritableStream;
}): Promise<number> {
  const ports = await listSerialPorts({ extraPaths: o.extraPaths });
  o.out.write(`${formatPortTable(ports)}\n`);
  if (!o.probe) return 0;
  o.out.write('\n');
  for (const port of ports) o.out.write(`${port.path}: ${await probe(port, o.baudRate)}\n`);
  return 0;
}

/** Ask ATI / AT+CGMM on a port and name the module, without disturbing it beyond that. */
async function probe(port: SerialPortInfo, baudRate: number): Promise<string> {
  const clock = new RealClock();
  let link: Awaited<ReturnType<typeof openSerial>> | undefined;
  try {
    link = await openSerial(port.path, {
      baudRate,
      clock,
      reconnect: false,
      discovery: { extraPaths: [port.path] },
    });
    const engine = new AtEngine(link, {
      name: port.path,
      clock,
      defaultTimeoutMs: 1500,
      resync: { attempts: 1, timeoutMs: 1000 },
    });
    try {
      if (!(await engine.resync())) return 'no AT answer';
      const ati = (await engine.send('ATI')).lines.filter((l) => l !== 'ATI');
      const cgmm = (await engine.send('AT+CGMM').catch(() => undefined))?.lines ?? [];
      const cgmi = (await engine.send('AT+CGMI').catch(() => undefined))?.lines ?? [];
      const raw = { manufacturer: cgmi.join(' '), model: cgmm.join(' '), revision: '', imei: '', ati };
      const dialect = selectDialect(raw);
      const profile = dialect.profileFor(raw);
      return `${[raw.manufacturer, raw.model].filter(Boolean).join(' ') || ati.join(' ')} (dialect ${dialect.id}${profile ? `, profile ${profile}` : ''})`;
    } finally {
      engine.close();
    }
  } catch (e) {
    return `not probed: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    await link?.close();
  }
}

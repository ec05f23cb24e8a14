import { parseArgs } from 'node:util';
import { runAt } from './at.ts';
import { runPorts } from './ports.ts';

const USAGE = `rig — mbms-iot-rig command line

  rig run [plan.yaml] [--bench bench.yaml] [--seed N] [--only SCENARIO…] [--runs DIR] [--mqtt URL]
  rig run --resume <run-dir>
      Run a test plan on a bench (default: the nightly plan on the emulated bench); results.jsonl as it
      happens, then junit.xml, report.html, summary.json and power CSVs. Exit 0 pass, 1 device failures,
      2 rig error. rig run --help says more.
  rig report <run-dir>        Render the reports again from a run's results log (also after a crash).
  rig list                    Plans, benches, scenarios with their measurements, module profiles.
  rig doctor [--bench F]      Check that every resource of a bench answers: modules, meters, switches,
                              broker, srsRAN binaries.

  rig ports [--probe] [--baud N] [--extra PATH…]
      List serial ports (path, /dev/serial/by-id, USB VID:PID, serial number);
      --probe asks each one ATI and names the module and its dialect.
  rig at <port> [command…] [--baud N] [--timeout MS] [--no-lock] [--transcript] [--log FILE]
      Run AT commands on a port and print the answers; without commands, an interactive
      console that shows URCs as they arrive. <port> is a path, by-id:<name> or usb:VID:PID[:serial][#ifNN].
      --transcript prints every byte exchanged with its meaning; --log appends it to FILE as JSON lines.
  rig emulate <model> --pty <path> [--seed N] [--fault NAME=VALUE…]
      Serve an emulated module on a pseudo-terminal (minicom, picocom or rig at can talk to it).
      Models: quectel-bg95, quectel-bg96, quectel-bc66, ublox-sara-r5, nordic-nrf9160, simcom-sim7080g.
  rig power record --meter <spec> --duration 10s --out <dir> [--voltage MV] [--rate HZ] [--seed N] [--json]
      Record a meter into a directory (raw words, pyramid, phases) and summarise it. <spec>:
      ppk2[:<port>|:usb:1915:c00a[:serial]], scpi:tcp://host:5025, scpi:serial:/dev/ttyUSB0, otii:tcp://host:1905,
      sim:<model> (an emulated module measured in virtual time; its states become phases).
  rig power stats <dir> [--from 1s] [--to 5s] [--phase NAME] [--json]
  rig power export <dir> --csv FILE [--from T] [--to T] [--average N]      (nRF Connect Power Profiler layout)
  rig power battery <dir> --capacity 19Ah [--floor psm] [--event PHASE=PER_DAY…] [--self-discharge 1%]
      [--derating 0.8] [--voltage 3.6] [--json]: lifetime in years and what each event costs.
  rig mbms send <file…> --group 239.255.1.1:4000 [--fec none|raptor|raptorq] [--overhead 20%] [--rate 30kbit]
      [--tsi N] [--repeat N] [--symbol BYTES] [--interface ADDR] [--ttl N] [--json]
      Send the files as a FLUTE download session (TS 26.346) to a UDP multicast group.
  rig mbms receive --group 239.255.1.1:4000 --out <dir> [--tsi N] [--files N] [--timeout 60s] [--interface ADDR]
      [--drop uniform:0.1|ge:0.02,0.3] [--seed N] [--json]
      Join the group and write each file received (FEC-decoded, MD5-checked) into <dir>; --drop simulates radio loss.
  rig mbms announce --tmgi HEX12 --group 239.255.1.1:4000 --tsi N --start +10min|ISO [--duration 30min]
      [--fec raptor|none|raptorq] [--redundancy 20] [--repair URL] [--report URL] [--file F…] [--out DIR] [--binary FILE]
      The service announcement: USD, SDP, Schedule and ADPD (TS 26.346) and/or the TR 26.850 binary form.
  rig mbms repair-server <file…> [--host 127.0.0.1] [--port N] [--fec raptor] [--symbol BYTES]
      Serve symbol-based and byte-range file repair (TS 26.346 §9.3) for the files.
  rig image keygen|build|inspect|stubs …
      Update images: Ed25519 keys, signed images (manifest: class, hardware, version, security counter,
      size, SHA-256), inspection as a device would judge them, and the stub set (valid and bad images).
  rig atomicity sweep --module <id> [--image F] [--key PUB] [--mode exhaustive|random] [--update swap|overwrite]
      [--size BYTES] [--seed N] [--bug image-ok-before-copy] [--json]
      Cut power at every flash operation of an update on the emulated agent and check the invariants.
  rig power-cycle <switch> [--off 2s] [--on 2s] [--times N] [--json]
      Cut and restore a module's power: relay-lcus:<port>#<ch>, relay-numato:<port>#<ch>, ppk2:<port>,
      scpi:tcp://host:5025#<ch>, emulated:<model>.
  rig campaign [uc1|uc2|uc3|unicast] [--model ID…] [--seed N] [--broker host:port] [--lead S] [--loss 5%] [--json FILE]
      One update campaign (TR 26.850 use cases) on the emulated bench, in virtual time: announcement,
      multicast session on the sim eNB, repair, install, MQTT acknowledgement; who got it when, energy,
      airtime against unicast. Default: UC1 on a BG95, SARA-R5, SIM7080G and nRF9160; embedded broker.
  rig demo [--seed N] [--model ID…]
      On the emulated bench (virtual time): identify, attach, set PSM and eDRX, read the granted timers.
`;

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'ports': {
      const { values } = parseArgs({
        args: rest,
        options: {
          probe: { type: 'boolean', default: false },
          baud: { type: 'string', default: '115200' },
          extra: { type: 'string', multiple: true },
        },
      });
      return runPorts({
        probe: values.probe,
        baudRate: int(values.baud, '--baud'),
        extraPaths: values.extra ?? [],
        out,
      });
    }
    case 'at': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          baud: { type: 'string', default: '115200' },
          timeout: { type: 'string', default: '10000' },
          'no-lock': { type: 'boolean', default: false },
          transcript: { type: 'boolean', default: false },
          log: { type: 'string' },
        },
      });
      const [port, ...commands] = positionals;
      if (!port) throw new UsageError('rig at: which port? e.g. rig at /tmp/bg95 ATI');
      return runAt({
        port,
        commands,
        baudRate: int(values.baud, '--baud'),
        timeoutMs: int(values.timeout, '--timeout'),
        lock: !values['no-lock'],
        transcript: values.transcript,
        log: values.log,
        out,
        input: process.stdin,
      });
    }
    case 'emulate': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          pty: { type: 'string' },
          seed: { type: 'string', default: '1' },
          fault: { type: 'string', multiple: true },
        },
      });
      const [model] = positionals;
      if (!model)
        throw new UsageError('rig emulate: which model? e.g. rig emulate quectel-bg95 --pty /tmp/bg95');
      if (!values.pty)
        throw new UsageError('rig emulate: --pty <path> is required (where the pseudo-terminal link goes)');
      const { runEmulateCommand } = await import('./emulate.ts');
      return runEmulateCommand({
        model,
        pty: values.pty,
        seed: int(values.seed, '--seed'),
        faults: values.fault ?? [],
        out,
      });
    }
    case 'demo': {
      const { values } = parseArgs({
        args: rest,
        options: { seed: { type: 'string', default: '1' }, model: { type: 'string', multiple: true } },
      });
      const { runDemo } = await import('./demo.ts');
      return runDemo({ seed: int(values.seed, '--seed'), models: values.model, out });
    }
    case 'run': {
      const { runRunCommand } = await import('./run.ts');
      return runRunCommand(rest, out);
    }
    case 'report': {
      const { runReportCommand } = await import('./run.ts');
      return runReportCommand(rest, out);
    }
    case 'list': {
      const { runListCommand } = await import('./run.ts');
      return runListCommand(out);
    }
    case 'doctor': {
      const { runDoctorCommand } = await import('./run.ts');
      return runDoctorCommand(rest, out);
    }
    case 'campaign': {
      const { runCampaignCommand } = await import('./campaign.ts');
      return runCampaignCommand(rest, out);
    }
    case 'power':
      return power(rest, out);
    case 'mbms':
      return mbms(rest, out);
    case 'image': {
      const { runImage } = await import('./image.ts');
      return runImage(rest, out);
    }
    case 'atomicity': {
      const { runAtomicity } = await import('./atomicity.ts');
      return runAtomicity(rest, out);
    }
    case 'power-cycle': {
      const { runPowerCycle } = await import('./power-cycle.ts');
      return runPowerCycle(rest, out);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`rig: unknown command "${command}"\n\n${USAGE}`);
  }
}

async function power(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const [sub, ...rest] = argv;
  const p = await import('./power.ts');
  switch (sub) {
    case 'record': {
      const { values } = parseArgs({
        args: rest,
        options: {
          meter: { type: 'string' },
          duration: { type: 'string', default: '10s' },
          out: { type: 'string' },
          voltage: { type: 'string', default: '3800' },
          rate: { type: 'string' },
          seed: { type: 'string', default: '1' },
          json: { type: 'boolean', default: false },
        },
      });
      if (!values.meter)
        throw new UsageError('rig power record: --meter <spec> is required, e.g. --meter sim:quectel-bg95');
      if (!values.out) throw new UsageError('rig power record: --out <dir> is required');
      return p.runPowerRecord({
        meter: values.meter,
        durationMs: p.parseDuration(values.duration, '--duration'),
        out: values.out,
        voltageMv: int(values.voltage, '--voltage'),
        seed: int(values.seed, '--seed'),
        ...(values.rate ? { rateHz: int(values.rate, '--rate') } : {}),
        json: values.json,
        stdout: out,
      });
    }
    case 'stats': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          from: { type: 'string' },
          to: { type: 'string' },
          phase: { type: 'string' },
          json: { type: 'boolean', default: false },
        },
      });
      const [dir] = positionals;
      if (!dir) throw new UsageError('rig power stats: which recording directory?');
      return p.runPowerStats({
        dir,
        ...optional(values, ['from', 'to', 'phase']),
        json: values.json,
        stdout: out,
      });
    }
    case 'export': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          csv: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string' },
          average: { type: 'string' },
        },
      });
      const [dir] = positionals;
      if (!dir || !values.csv) throw new UsageError('rig power export <dir> --csv <file>');
      return p.runPowerExport({
        dir,
        csv: values.csv,
        ...optional(values, ['from', 'to']),
        ...(values.average ? { average: int(values.average, '--average') } : {}),
        stdout: out,
      });
    }
    case 'battery': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          capacity: { type: 'string' },
          voltage: { type: 'string', default: '3.6' },
          'self-discharge': { type: 'string', default: '1%' },
          derating: { type: 'string', default: '0.8' },
          floor: { type: 'string', default: 'psm' },
          event: { type: 'string', multiple: true },
          json: { type: 'boolean', default: false },
        },
      });
      const [dir] = positionals;
      if (!dir || !values.capacity)
        throw new UsageError('rig power battery <dir> --capacity 19Ah [--event PHASE=PER_DAY]');
      const voltage = Number(values.voltage);
      if (!(voltage > 0))
        throw new UsageError(`--voltage must be a positive number of volts, got "${values.voltage}"`);
      return p.runPowerBattery({
        dir,
        capacity: values.capacity,
        voltage,
        selfDischarge: values['self-discharge'],
        derating: values.derating,
        floor: values.floor,
        events: values.event ?? [],
        json: values.json,
        stdout: out,
      });
    }
    default:
      throw new UsageError(`rig power: expected record, stats, export or battery, got "${sub ?? ''}"`);
  }
}

async function mbms(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const [sub, ...rest] = argv;
  const m = await import('./mbms.ts');
  switch (sub) {
    case 'send': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          group: { type: 'string' },
          fec: { type: 'string', default: 'raptor' },
          overhead: { type: 'string', default: '20%' },
          rate: { type: 'string', default: '1Mbit' },
          tsi: { type: 'string', default: '1' },
          repeat: { type: 'string', default: '1' },
          symbol: { type: 'string', default: '1024' },
          interface: { type: 'string' },
          ttl: { type: 'string', default: '1' },
          json: { type: 'boolean', default: false },
        },
      });
      if (!values.group) throw new UsageError('rig mbms send: --group <address>:<port> is required');
      const fec = m.parseFec(values.fec);
      return m.runMbmsSend({
        files: positionals,
        group: values.group,
        ...(values.interface ? { iface: values.interface } : {}),
        ttl: int(values.ttl, '--ttl'),
        fec,
        overhead: fec === 0 ? 0 : m.parseOverhead(values.overhead),
        rateBps: m.parseRate(values.rate),
        tsi: int(values.tsi, '--tsi'),
        repeat: int(values.repeat, '--repeat'),
        symbolLength: int(values.symbol, '--symbol'),
        json: values.json,
        stdout: out,
      });
    }
    case 'receive': {
      const { values } = parseArgs({
        args: rest,
        options: {
          group: { type: 'string' },
          out: { type: 'string' },
          tsi: { type: 'string' },
          files: { type: 'string', default: '1' },
          timeout: { type: 'string', default: '60s' },
          interface: { type: 'string' },
          drop: { type: 'string' },
          seed: { type: 'string', default: '1' },
          json: { type: 'boolean', default: false },
        },
      });
      if (!values.group || !values.out)
        throw new UsageError('rig mbms receive --group <address>:<port> --out <dir>');
      return m.runMbmsReceive({
        group: values.group,
        out: values.out,
        ...(values.interface ? { iface: values.interface } : {}),
        ...(values.tsi ? { tsi: int(values.tsi, '--tsi') } : {}),
        files: int(values.files, '--files'),
        ...(values.drop ? { drop: values.drop } : {}),
        seed: int(values.seed, '--seed'),
        timeoutMs: m.parseDuration(values.timeout, '--timeout'),
        json: values.json,
        stdout: out,
      });
    }
    case 'announce': {
      const { values } = parseArgs({
        args: rest,
        options: {
          tmgi: { type: 'string' },
          'service-id': { type: 'string', default: 'urn:mbms-iot-rig:fota' },
          group: { type: 'string' },
          source: { type: 'string', default: '127.0.0.1' },
          tsi: { type: 'string', default: '1' },
          start: { type: 'string', default: '+10min' },
          duration: { type: 'string', default: '30min' },
          fec: { type: 'string', default: 'raptor' },
          redundancy: { type: 'string', default: '20' },
          repair: { type: 'string' },
          report: { type: 'string' },
          file: { type: 'string', multiple: true },
          out: { type: 'string' },
          binary: { type: 'string' },
        },
      });
      if (!values.tmgi || !values.group)
        throw new UsageError(
          'rig mbms announce: --tmgi <12 hex digits> and --group <address>:<port> are required',
        );
      const a = await import('./mbms-announce.ts');
      return a.runMbmsAnnounce({
        tmgi: values.tmgi,
        serviceId: values['service-id'],
        group: values.group,
        source: values.source,
        tsi: int(values.tsi, '--tsi'),
        start: values.start,
        durationMs: m.parseDuration(values.duration, '--duration'),
        fec: m.parseFec(values.fec),
        redundancyPercent: int(values.redundancy, '--redundancy'),
        ...(values.repair ? { repair: values.repair } : {}),
        ...(values.report ? { report: values.report } : {}),
        files: values.file ?? [],
        ...(values.out ? { out: values.out } : {}),
        ...(values.binary ? { binary: values.binary } : {}),
        stdout: out,
      });
    }
    case 'repair-server': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          host: { type: 'string', default: '127.0.0.1' },
          port: { type: 'string', default: '0' },
          fec: { type: 'string', default: 'raptor' },
          symbol: { type: 'string', default: '1024' },
        },
      });
      const a = await import('./mbms-announce.ts');
      return a.runMbmsRepairServer({
        files: positionals,
        host: values.host,
        port: int(values.port, '--port'),
        fec: m.parseFec(values.fec),
        symbolLength: int(values.symbol, '--symbol'),
        stdout: out,
      });
    }
    default:
      throw new UsageError(`rig mbms: expected send, receive, announce or repair-server, got "${sub ?? ''}"`);
  }
}

function optional<K extends string>(
  values: Partial<Record<K, string | boolean | undefined>>,
  keys: K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) if (typeof values[k] === 'string') out[k] = values[k] as string;
  return out;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

function int(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a whole number, got "${text}"`);
  return Number(text);
}

const isEntry = process.argv[1] !== undefined && /[\\/]main\.ts$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      process.stderr.write(`${e instanceof UsageError ? e.message : `rig: ${e.message}`}\n`);
      process.exitCode = e instanceof UsageError ? 2 : 1;
    },
  );
}

import { parseArgs } from 'node:util';
import { runAt } from './at.ts';
import { runPorts } from './ports.ts';

const USAGE = `rig — mbms-iot-rig command line

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

/** `rig emulate <model> --pty <path>`: one emulated module on a pseudo-terminal, on real time. */
import { RealClock } from '../src/clock/index.ts';
import { createEmulatedModule, type EmulatedModule } from './module/emulated-module.ts';
import type { FaultSettings } from './module/faults.ts';
import type { MqttRoute } from './module/mqtt-bridge.ts';
import type { NetworkOptions } from './module/network-policy.ts';
import { type PtyServer, servePty } from './module/pty-server.ts';

export interface EmulatorOptions {
  /** Link path of the pseudo-terminal (e.g. /tmp/bg95). */
  pty: string;
  seed?: number | string;
  network?: NetworkOptions;
  faults?: FaultSettings;
  mqtt?: MqttRoute;
  /** Where progress lines go (default stdout). */
  log?: (line: string) => void;
  /** Stop on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
}

export interface RunningEmulator extends AsyncDisposable {
  readonly module: EmulatedModule;
  readonly pty: PtyServer;
  /** Settles once the emulator has stopped (close() or a signal). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export async function runEmulator(modelId: string, options: EmulatorOptions): Promise<RunningEmulator> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const seed = options.seed ?? 1;
  const module = createEmulatedModule({
    profile: modelId,
    clock: new RealClock(),
    seed,
    ...(options.network ? { network: options.network } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.mqtt ? { mqtt: options.mqtt } : {}),
  });
  let pty: PtyServer;
  try {
    pty = await servePty(module, options.pty);
  } catch (e) {
    await module.close();
    throw e;
  }
  module.powerOn();
  const p = module.profile;
  log(
    `${p.id}: emulated ${p.vendor} ${p.model} listening on ${pty.path} (seed ${seed}, IMEI ${module.identity.imei}, ${p.serial.baud} baud)`,
  );
  log(`${p.id}: try  minicom -D ${pty.path}  or  picocom ${pty.path}; Ctrl-C stops`);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${p.id}: ${signal}, stopping`);
    void close();
  };
  const close = (): Promise<void> => {
    closing ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await pty.close();
      await module.close();
      log(`${p.id}: stopped`);
      resolveClosed();
    })();
    return closing;
  };
  if (options.handleSignals ?? true) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return { module, pty, closed, close, [Symbol.asyncDispose]: close };
}

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Clock, EpochMs } from '../../src/clock/index.ts';
import { loadModuleProfile, type ModuleProfile } from '../../src/hardware/index.ts';
import { dialectFor } from '../dialects/registry.ts';
import { SeededRandom } from '../random.ts';
import { AgentFirmwareUpdater } from './agent-firmware-updater.ts';
import { AtServer } from './at-server.ts';
import { type AtCommand, CommandTable } from './command.ts';
import { BASIC_COMMANDS } from './commands-basic.ts';
import { IDENTITY_COMMANDS } from './commands-identity.ts';
import { NETWORK_COMMANDS } from './commands-network.ts';
import { DEFAULT_EDRX_REQUEST, DEFAULT_PSM_REQUEST, POWER_SAVING_COMMANDS } from './commands-power-saving.ts';
import type { ModuleCore, NvSettings, PowerState, VolatileSettings } from './core.ts';
import { currentStateOf } from './current-state.ts';
import type { DialectBinding } from './dialect.ts';
import { type FaultControls, FaultInjector } from './faults.ts';
import { ModuleFileSystem } from './file-system.ts';
import type { BootCause, FirmwareUpdater } from './firmware-updater.ts';
import { type ModuleIdentity, makeIdentity } from './imei.ts';
import { type EmulatedModuleOptions, type ModuleStateSnapshot, snapshotOf } from './module-state.ts';
import { ModuleTimers } from './module-timers.ts';
import { MqttBridge } from './mqtt-bridge.ts';
import { MulticastReceiver } from './multicast.ts';
import { MULTICAST_COMMANDS } from './multicast-commands.ts';
import { type NetworkOptions, type NetworkPolicy, networkPolicy } from './network-policy.ts';
import { Radio } from './radio.ts';
import { Registration } from './registration.ts';
import type { StackHost } from './stack-host.ts';
import { edrxUrc, registrationUrc, rrcUrc } from './stack-urcs.ts';
import { CurrentTimeline } from './timeline.ts';
import { ModuleUart } from './uart.ts';

export type { EmulatedModuleOptions, ModuleStateSnapshot };

/** Quiet time on the UART after the last command before the module may drop into PSM [M]. */
const HOST_QUIET_MS = 2000;

interface ModuleEvents {
  /** The power state of the host interface changed. */
  power: [PowerState];
  /** The port came back after vanishing: the controller's new end of the UART. */
  port: [Duplex];
  /** The port vanished (its host stream was destroyed). */
  'port-vanished': [];
  /** An emulator bug surfaced in a command handler (the command answered ERROR). */
  'internal-error': [unknown, string];
}

/**
 * An emulated cellular module: AT server over an in-process UART, protocol-stack state machines on
 * the injected clock, current timeline, file system, MQTT client, FOTA, multicast reception and fault
 * knobs. The vendor dialect (chosen by profile.dialect) adds its commands and signals.
 */
export class EmulatedModule extends EventEmitter<ModuleEvents> implements ModuleCore, AsyncDisposable {
  readonly profile: ModuleProfile;
  readonly clock: Clock;
  readonly identity: ModuleIdentity;
  readonly timeline: CurrentTimeline;
  readonly files: ModuleFileSystem;
  readonly mqtt: MqttBridge;
  readonly firmware: FirmwareUpdater;
  readonly multicast: MulticastReceiver;
  readonly registration: Registration;
  readonly radio: Radio;
  readonly nv: NvSettings;
  readonly #faults: FaultInjector;
  readonly #random: SeededRandom;
  readonly #timers: ModuleTimers;
  readonly #dialect: DialectBinding;
  readonly #table = new CommandTable();
  readonly #server: AtServer;
  readonly #uart: ModuleUart;
  readonly #networkOptions: NetworkOptions;
  #policy: NetworkPolicy;
  #settings: VolatileSettings;
  #power: PowerState = 'off';
  #cfun: 0 | 1 | 4 = 1;
  #bootController = new AbortController();
  #flashWrites = 0;
  /** Firmware installs in progress: a module busy updating never drops into PSM. */
  #installing = 0;
  #lastCommandAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(options: EmulatedModuleOptions) {
    super();
    this.profile = typeof options.profile === 'string' ? loadModuleProfile(options.profile) : options.profile;
    this.clock = options.clock;
    this.#random = new SeededRandom(options.seed);
    this.#networkOptions = { ...options.network };
    this.#policy = networkPolicy(this.profile, this.#networkOptions);
    this.identity = makeIdentity(
      this.profile.identification.tac,
      this.#policy.operator.plmn,
      this.#random.fork('identity'),
      options.imeiSerial,
    );
    this.#timers = new ModuleTimers(this.clock);
    this.timeline = new CurrentTimeline(this.profile.current, this.clock.now());
    this.nv = {
      psm: { ...DEFAULT_PSM_REQUEST },
      edrx: { 4: { ...DEFAULT_EDRX_REQUEST }, 5: { ...DEFAULT_EDRX_REQUEST } },
      contexts: new Map([[1, { cid: 1, type: 'IP', apn: '' }]]),
    };
    this.#faults = new FaultInjector(this.#random.fork('faults'), options.faults ?? {}, this.clock);

    const stack = this.#stackHost();
    this.radio = new Radio(stack, () => this.registration);
    this.registration = new Registration(stack, this.radio);
    this.mqtt = new MqttBridge({
      clock: this.clock,
      route: options.mqtt,
      online: () => this.registration.registered && this.#power === 'on',
      activity: (kind, bytes) => this.radio.activity(kind, bytes),
      whenReachable: (fn) => this.radio.whenReachable(fn),
    });
    this.firmware = this.#installsBlockPsm(
      options.firmwareUpdater?.(this) ??
        new AgentFirmwareUpdater(this, bareRevision(this.profile.identification.revision)),
    );

    const dialect = options.dialect ?? dialectFor(this.profile);
    this.#dialect = dialect.bind(this);
    this.files = new ModuleFileSystem(options.fileSystemBytes ?? this.#dialect.behaviour.fileSystemBytes);
    this.multicast = new MulticastReceiver({
      files: this.files,
      enabled: () => this.#settings.mbmsEnabled && this.#power === 'on',
      urc: (text) => {
        if (this.#settings.mbmsEnabled) this.urc(text);
      },
      flashWrite: (bytes) => this.flashWrite(bytes),
      receptionChanged: () => {
        this.#currentChanged();
        this.radio.maybeEnterPsm();
      },
    });
    this.#settings = this.#defaultSettings();
    this.#table.add(BASIC_COMMANDS).add(IDENTITY_COMMANDS).add(NETWORK_COMMANDS).add(POWER_SAVING_COMMANDS);
    this.#table.add(MULTICAST_COMMANDS).add(this.#dialect.commands);

    this.#server = new AtServer({
      core: this,
      clock: this.clock,
      table: this.#table,
      behaviour: this.#dialect.behaviour,
      faults: this.#faults,
      settings: () => this.#settings,
      power: () => this.#power,
      send: (bytes) => this.#uart.send(bytes),
      stormUrcs: () => this.#dialect.stormUrcs(),
      wakeOnActivity: () => this.wake(),
      idle: () => {
        // The host is talking over the UART: a sequence of commands is not cut by PSM between two of
        // them (real hosts hold the wake/DTR line while they work). PSM may follow a quiet moment later.
        this.#lastCommandAt = this.clock.now();
        this.#timers.after(HOST_QUIET_MS, () => this.radio.maybeEnterPsm());
      },
      internalError: (error, command) => this.emit('internal-error', error, command),
    });
    const poke = (this.clock as { poke?: () => void }).poke?.bind(this.clock);
    this.#uart = new ModuleUart({
      receive: (chunk) => this.#server.receive(chunk),
      faults: this.#faults,
      ...(poke ? { onTransfer: poke } : {}),
    });
    this.#uart.on('port', (host) => this.emit('port', host));
    this.#uart.on('vanished', () => this.emit('port-vanished'));
    this.#faults.arm({
      reboot: () => {
        if (this.#power !== 'off') this.reset();
      },
      vanishPort: () => this.#uart.vanish(),
      restorePort: () => this.#uart.restore(),
    });
  }

  #installsBlockPsm(updater: FirmwareUpdater): FirmwareUpdater {
    const install = updater.install.bind(updater);
    // Shadow the method on the instance itself: the updater's own methods keep their `this`.
    updater.install = async (pkg, progress, signal) => {
      this.#installing++;
      let ok = false;
      try {
        const result = await install(pkg, progress, signal);
        ok = result.ok;
        return result;
      } finally {
        // A finished install is followed by the restart into it: no PSM until then (#shutdown clears it).
        if (!ok) {
          this.#installing = Math.max(0, this.#installing - 1);
          this.radio.maybeEnterPsm();
        }
      }
    };
    return updater;
  }

  // ---- public API -------------------------------------------------------------------------------

  /** The controller's end of the UART: write AT commands, read responses. Replaced after a port vanish. */
  get host(): Duplex {
    return this.#uart.host;
  }

  /** Runtime fault knobs. */
  get faults(): FaultControls {
    return this.#faults;
  }

  get state(): ModuleStateSnapshot {
    return snapshotOf(this);
  }

  /** Apply power: the module boots and prints its banner after profile.timing.bootMs. */
  powerOn(): void {
    if (this.#closed || this.#power !== 'off') return;
    this.#boot('power-on');
  }

  /** Remove power instantly: RAM state is lost, the timeline drops to off. Flash (files, NV, firmware) stays. */
  cutPower(): void {
    if (this.#power === 'off') return;
    this.#shutdown();
    this.#setPower('off');
  }

  /** Hardware reset: as a power cycle, but without an off period. */
  reset(): void {
    if (this.#closed) return;
    this.#shutdown();
    this.#boot('reset');
  }

  /**
   * Wake from PSM (PON_TRIG / PWRKEY pulse). AT answers after the dialect's psmWakeMs. A command sent
   * while the module sleeps is lost, but wakes it the same way.
   */
  wake(): void {
    if (this.#power !== 'asleep') return;
    this.#setPower('waking');
    this.#timers.after(this.#dialect.behaviour.psmWakeMs, () => {
      this.#setPower('on');
      for (const line of this.#dialect.psmLeft('host')) this.#server.urc(line);
      this.radio.hostWake();
      this.#server.pump();
    });
  }

  /** Change the emulated network at runtime (cell, policy…); takes effect at the next attach or grant. */
  setNetwork(changes: NetworkOptions): void {
    Object.assign(this.#networkOptions, changes, {
      cell: { ...this.#networkOptions.cell, ...changes.cell },
      operator: { ...this.#networkOptions.operator, ...changes.operator },
    });
    this.#policy = networkPolicy(this.profile, this.#networkOptions);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#faults.dispose();
    this.#shutdown();
    this.#power = 'off';
    this.#uart.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- ModuleCore -------------------------------------------------------------------------------

  get settings(): VolatileSettings {
    return this.#settings;
  }

  get policy(): NetworkPolicy {
    return this.#policy;
  }

  get power(): PowerState {
    return this.#power;
  }

  get cfun(): 0 | 1 | 4 {
    return this.#cfun;
  }

  get bootSignal(): AbortSignal {
    return this.#bootController.signal;
  }

  random(label: string): SeededRandom {
    return this.#random.fork(`dialect:${label}`);
  }

  rtcNow(): EpochMs {
    return this.clock.now() + this.#settings.rtcOffsetMs;
  }

  act(): number {
    return this.#dialect.behaviour.actForRat(this.#policy.rat);
  }

  commandList(): readonly AtCommand[] {
    return this.#table.list();
  }

  urc(text: string): void {
    this.#server.urc(text);
  }

  resetSettings(): void {
    const d = this.#defaultSettings();
    Object.assign(this.#settings, {
      echo: d.echo,
      verbose: d.verbose,
      quiet: d.quiet,
      cmee: d.cmee,
      s3: d.s3,
      s4: d.s4,
      s5: d.s5,
    });
  }

  revisionText(): string {
    const original = bareRevision(this.profile.identification.revision);
    return this.profile.identification.revision.replace(original, this.firmware.revision);
  }

  identificationLines(): readonly string[] {
    const original = bareRevision(this.profile.identification.revision);
    return this.profile.identification.ati.map((l) => l.replace(original, this.firmware.revision));
  }

  setCfun(fun: 0 | 1 | 4): void {
    if (fun === this.#cfun) return;
    this.#cfun = fun;
    if (fun === 1) {
      if (this.#settings.copsMode !== 2) this.registration.start();
    } else {
      this.registration.stop();
    }
    this.#currentChanged();
  }

  reboot(): void {
    this.reset();
  }

  powerDown(lastWords: readonly string[]): void {
    for (const line of lastWords) this.#server.announce(line);
    this.cutPower();
  }

  flashWrite(bytes: number, signal: AbortSignal = this.bootSignal): Promise<void> {
    return this.withFlashActivity(() =>
      this.clock.sleep((bytes / this.profile.timing.flashWriteBytesPerS) * 1000, signal),
    );
  }

  async withFlashActivity<T>(work: () => Promise<T>): Promise<T> {
    const boot = this.#bootController;
    this.#flashWrites++;
    this.#currentChanged();
    try {
      return await work();
    } finally {
      if (boot === this.#bootController) {
        this.#flashWrites--;
        this.#currentChanged();
        this.radio.maybeEnterPsm();
      }
    }
  }

  // ---- internals --------------------------------------------------------------------------------

  #boot(cause: BootCause): void {
    this.#bootController = new AbortController();
    this.firmware.boot?.(cause);
    this.#settings = this.#defaultSettings();
    this.#cfun = 1;
    this.#setPower('booting');
    const out = this.#dialect.bootOutput();
    const preamble = out.preamble;
    if (preamble) this.#timers.after(preamble.afterMs, () => this.#uart.send(preamble.bytes));
    this.#timers.after(this.profile.timing.bootMs, () => {
      this.#setPower('on');
      for (const line of out.banner) this.#server.urc(line);
      if (this.#cfun === 1) this.registration.start();
      this.#server.pump();
    });
  }

  // Everything held in RAM goes; flash (files, NV, firmware) stays.
  #shutdown(): void {
    this.#installing = 0;
    this.#timers.cancelAll();
    this.#bootController.abort(new Error(`module ${this.profile.id}: power lost`));
    this.#server.reset();
    this.registration.reset();
    this.radio.reset();
    this.mqtt.dropAll();
    this.multicast.reset();
    this.#dialect.powerLost();
    this.#flashWrites = 0;
  }

  #setPower(power: PowerState): void {
    if (power === this.#power) return;
    this.#power = power;
    this.#currentChanged();
    this.emit('power', power);
  }

  #currentChanged(): void {
    const state = currentStateOf({
      power: this.#power,
      flashWriting: this.#flashWrites > 0,
      transmitting: this.radio.transmitting,
      attaching: this.registration.attaching,
      radio: this.radio.state,
      receivingMulticast: this.multicast.receiving,
      edrxGranted: this.registration.edrxGrant !== null,
    });
    this.timeline.enter(state, this.clock.now());
  }

  #defaultSettings(): VolatileSettings {
    return {
      echo: this.profile.serial.echoDefault,
      verbose: true,
      quiet: false,
      cmee: this.#dialect.behaviour.cmeeDefault,
      s3: 13,
      s4: 10,
      s5: 8,
      ceregN: 0,
      csconN: 0,
      copsMode: 0,
      copsFormat: 0,
      rtcOffsetMs: 0,
      mbmsEnabled: false,
    };
  }

  #urcIf(line: string | undefined): void {
    if (line) this.urc(line);
  }

  #stackHost(): StackHost {
    const self = this;
    return {
      clock: this.clock,
      timers: this.#timers,
      profile: this.profile,
      get policy() {
        return self.#policy;
      },
      nv: this.nv,
      networkRandom: this.#random.fork('network'),
      currentChanged: () => this.#currentChanged(),
      rrcChanged: (connected) => this.#urcIf(rrcUrc(this, connected)),
      registrationChanged: (what) => {
        this.#urcIf(registrationUrc(this, what));
        if (what === 'stat' && !this.registration.registered) {
          this.mqtt.networkLost();
          this.multicast.networkLost();
        }
      },
      edrxChanged: () => this.#urcIf(edrxUrc(this)),
      psmAllowed: () =>
        this.#power === 'on' &&
        !this.#server.busy &&
        !this.multicast.active &&
        this.#flashWrites === 0 &&
        this.#installing === 0 &&
        this.clock.now() - this.#lastCommandAt >= HOST_QUIET_MS,
      enterPsm: (grant) => {
        for (const line of this.#dialect.psmEntered({
          periodicTauS: grant.tauS,
          activeTimeS: grant.activeTimeS,
        })) {
          this.#server.announce(line);
        }
        if (!this.#dialect.behaviour.uartAwakeInPsm) {
          this.#server.framing.reset();
          this.#setPower('asleep');
        }
      },
      leavePsm: () => {
        this.#setPower('on');
        for (const line of this.#dialect.psmLeft('tau')) this.#server.urc(line);
        this.#server.pump();
      },
    };
  }
}

/** "Revision: BC66NBR01A10" → "BC66NBR01A10"; a plain revision stays as it is. */
function bareRevision(text: string): string {
  return text.replace(/^Revision:\s*/, '');
}

/** Create an emulated module (powered off: call powerOn()). */
export function createEmulatedModule(options: EmulatedModuleOptions): EmulatedModule {
  return new EmulatedModule(options);
}

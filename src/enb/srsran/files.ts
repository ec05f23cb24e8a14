import { mkdir, writeFile } from 'node:fs/promises';
import type { ComponentSpec } from './component.ts';
import type { SrsranConfig } from './config.ts';
import { renderEpcConf, renderMbmsConf, renderUeConf, renderUserDb } from './core-files.ts';
import { controlSymbols, renderEnbConf, renderRbConf, renderRrConf, renderSibConf } from './enb-files.ts';
import { type SrsranPaths, srsranPaths } from './paths.ts';

export type SrsranComponent = 'srsmbms' | 'srsepc' | 'srsenb' | 'srsue';
export type SrsranFileKey =
  | 'mbmsConf'
  | 'epcConf'
  | 'userDb'
  | 'enbConf'
  | 'sibConf'
  | 'rrConf'
  | 'rbConf'
  | 'ueConf';

/** Stdout lines that mean a component is ready (reference §5; the UE also needs attach with an EPC). */
export const READY_LINES: Readonly<Record<SrsranComponent, readonly RegExp[]>> = {
  srsmbms: [/MBMS GW Initiated/],
  srsepc: [/SP-GW Initialized\./],
  srsenb: [/==== eNodeB started ===/],
  srsue: [/MBMS service started/],
};
const UE_ATTACHED = /Network attach successful\. IP: /;

/** Lines after which a component cannot do its job (no kernel SCTP, eNB without MME). */
function faultLines(config: SrsranConfig, component: SrsranComponent): RegExp[] {
  if (component === 'srsepc') return [/Could not create SCTP socket/];
  if (!config.epc.enabled) return [];
  if (component === 'srsenb') return [/Socket type not supported/];
  if (component === 'srsue') return [/Received ConnectionReject/];
  return [];
}

/** The components this config runs, in start order. */
export function srsranComponents(config: SrsranConfig): SrsranComponent[] {
  return [
    'srsmbms',
    ...(config.epc.enabled ? (['srsepc'] as const) : []),
    'srsenb',
    ...(config.ue ? (['srsue'] as const) : []),
  ];
}

/** Every file the components of this config read, keyed like SrsranPaths. */
export function renderSrsranFiles(config: SrsranConfig): Partial<Record<SrsranFileKey, string>> {
  const paths = srsranPaths(config);
  return {
    mbmsConf: renderMbmsConf(config, paths),
    ...(config.epc.enabled && { epcConf: renderEpcConf(config, paths), userDb: renderUserDb(config) }),
    enbConf: renderEnbConf(config, paths),
    sibConf: renderSibConf(config),
    rrConf: renderRrConf(config),
    rbConf: renderRbConf(),
    ...(config.ue && { ueConf: renderUeConf(config, paths) }),
  };
}

/** Writes the files into config.workDir (created if missing) and returns where everything is. */
export async function writeSrsranFiles(config: SrsranConfig): Promise<SrsranPaths> {
  const paths = srsranPaths(config);
  await mkdir(paths.dir, { recursive: true });
  for (const [key, text] of Object.entries(renderSrsranFiles(config))) {
    await writeFile(paths[key as SrsranFileKey], text);
  }
  return paths;
}

/**
 * Arguments after the binary: the config file, then the eMBMS-critical keys again as
 * `--section.key=value` overrides (the command line wins over the file in boost::program_options, so
 * a hand-edited file in the work dir cannot switch eMBMS off), and a per-run log file.
 */
export function srsranCommandLine(config: SrsranConfig, component: SrsranComponent): string[] {
  const p = srsranPaths(config);
  const o = (key: string, value: string | number | boolean) => `--${key}=${value}`;
  switch (component) {
    case 'srsmbms':
      return [
        p.mbmsConf,
        o('mbms_gw.sgi_mb_if_addr', config.sgiMb.ifAddr),
        o('mbms_gw.m1u_multi_addr', config.m1u.group),
        o('mbms_gw.m1u_multi_if', config.m1u.gatewayInterface),
        o('log.filename', p.mbmsLog),
      ];
    case 'srsepc':
      return [p.epcConf, o('hss.db_file', p.userDb), o('log.filename', p.epcLog)];
    case 'srsenb':
      return [
        p.enbConf,
        o('enb_files.sib_config', p.sibConf),
        o('embms.enable', true),
        o('embms.m1u_multiaddr', config.m1u.group),
        o('embms.m1u_if_addr', config.m1u.enbInterface),
        o('embms.mcs', config.mbsfn.mcs),
        o('scheduler.max_nof_ctrl_symbols', controlSymbols(config)),
        o('log.filename', p.enbLog),
      ];
    case 'srsue': {
      const ue = config.ue;
      if (!ue) throw new Error('srsranCommandLine: no ue in the config');
      return [
        p.ueConf,
        o('rrc.mbms_service_id', 0),
        o('phy.interpolate_subframe_enabled', true),
        o('phy.nof_phy_threads', ue.nofPhyThreads),
        ...(ue.netns ? [o('gw.netns', ue.netns)] : []),
        o('log.filename', p.ueLog),
      ];
    }
  }
}

/** What the supervisor runs: binaries, arguments, readiness and fault lines, deadlines. */
export function srsranComponentSpecs(
  config: SrsranConfig,
  env?: Readonly<Record<string, string>>,
): ComponentSpec[] {
  const dir = srsranPaths(config).dir;
  return srsranComponents(config).map((name) => ({
    name,
    command: config.binaries[name],
    args: srsranCommandLine(config, name),
    cwd: dir,
    ...(env && { env }),
    ready: name === 'srsue' && config.epc.enabled ? [...READY_LINES.srsue, UE_ATTACHED] : READY_LINES[name],
    faults: faultLines(config, name),
    startDeadlineMs: config.startDeadlineMs[name],
  }));
}

import { resolve } from 'node:path';
import type { SrsranConfig } from './config.ts';

/** Where one run's files go: every path absolute, because srsRAN resolves relative ones from its cwd. */
export interface SrsranPaths {
  dir: string;
  enbConf: string;
  sibConf: string;
  rrConf: string;
  rbConf: string;
  epcConf: string;
  userDb: string;
  mbmsConf: string;
  ueConf: string;
  enbLog: string;
  epcLog: string;
  mbmsLog: string;
  ueLog: string;
  ueMacPcap: string;
}

export function srsranPaths(config: Pick<SrsranConfig, 'workDir'>): SrsranPaths {
  const dir = resolve(config.workDir);
  const at = (name: string) => resolve(dir, name);
  return {
    dir,
    enbConf: at('enb.conf'),
    sibConf: at('sib.conf.mbsfn'),
    rrConf: at('rr.conf'),
    rbConf: at('rb.conf'),
    epcConf: at('epc.conf'),
    userDb: at('user_db.csv'),
    mbmsConf: at('mbms.conf'),
    ueConf: at('ue.conf'),
    enbLog: at('enb.log'),
    epcLog: at('epc.log'),
    mbmsLog: at('mbms.log'),
    ueLog: at('ue.log'),
    ueMacPcap: at('ue_mac.pcap'),
  };
}

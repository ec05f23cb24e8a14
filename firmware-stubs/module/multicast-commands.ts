/**
 * NON-STANDARD AT face of multicast reception (see multicast.ts). Shaped after the Rel-13 eMBMS
 * commands +CEMBMSCFG / +CEMBMSSRV / +CEMBMSR, keyed by TMGI, `#`-prefixed so nobody mistakes them
 * for 3GPP or vendor commands. Shared by every dialect.
 */
import type { AtCommand } from './command.ts';
import { isTmgi } from './multicast.ts';
import { CME, cme } from './results.ts';

export const MULTICAST_COMMANDS: readonly AtCommand[] = [
  {
    name: '#XMBMSCFG',
    summary: 'multicast reception and its URCs: 0 disable, 1 enable',
    nonStandard: true,
    set: (ctx, args) => {
      const n = args.atMost(1).int(0, { oneOf: [0, 1] });
      const m = ctx.module;
      const was = m.settings.mbmsEnabled;
      m.settings.mbmsEnabled = n === 1;
      if (was && n === 0) m.multicast.disabled();
      return undefined;
    },
    read: (ctx) => {
      ctx.info(`#XMBMSCFG: ${ctx.module.settings.mbmsEnabled ? 1 : 0}`);
      return undefined;
    },
    test: (ctx) => {
      ctx.info('#XMBMSCFG: (0,1)');
      return undefined;
    },
  },
  {
    name: '#XMBMSSRV',
    summary: 'activate (1) / deactivate (0) a multicast service by TMGI; URC #XMBMSR',
    nonStandard: true,
    set: (ctx, args) => {
      const m = ctx.module;
      const op = args.atMost(2).int(0, { oneOf: [0, 1] });
      const tmgi = args.quoted(1);
      if (!isTmgi(tmgi)) return cme(CME.incorrectParameters);
      if (!m.settings.mbmsEnabled) return cme(CME.notAllowed);
      if (op === 0) return m.multicast.deactivate(tmgi) ? undefined : cme(CME.notAllowed);
      if (!m.registration.registered) return cme(CME.noNetworkService);
      m.multicast.activate(tmgi);
      return undefined;
    },
    read: (ctx) => {
      for (const s of ctx.module.multicast.services()) ctx.info(`#XMBMSSRV: "${s.tmgi}",${s.state}`);
      return undefined;
    },
    test: (ctx) => {
      ctx.info('#XMBMSSRV: (0,1),"<TMGI: 12 hex digits>"');
      return undefined;
    },
  },
];

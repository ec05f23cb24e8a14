/** 27.007 network commands: +CFUN, +CEREG, +CSCON, +COPS, +CESQ, +CSQ, +CGDCONT, +CGATT, +CGPADDR. */
import type { AtArguments } from './arguments.ts';
import type { AtCommand, CommandContext } from './command.ts';
import { ceregFields, cesqFields, csconFields, csqFields } from './network-format.ts';
import { CME, cme, type Outcome } from './results.ts';

/** Virtual time a manual network scan (AT+COPS=?) takes. Engineering value: real modules need 10-180 s. */
const COPS_SCAN_MS = 8000;

function info(ctx: CommandContext, text: string): Outcome {
  ctx.info(text);
  return undefined;
}

function cfunSet(ctx: CommandContext, args: AtArguments): Outcome {
  const fun = args.atMost(2).int(0, { oneOf: [0, 1, 4] }) as 0 | 1 | 4;
  const rst = args.int(1, { oneOf: [0, 1], def: 0 });
  if (rst === 1) {
    ctx.afterResponse(() => ctx.module.reboot());
    return undefined;
  }
  ctx.module.setCfun(fun);
  return undefined;
}

function copsSet(ctx: CommandContext, args: AtArguments): Outcome {
  const m = ctx.module;
  const mode = args.atMost(4).int(0, { min: 0, max: 4, def: 0 });
  if (!args.isEmpty(1)) m.settings.copsFormat = args.int(1, { min: 0, max: 2 }) as 0 | 1 | 2;
  if (mode === 3) return undefined;
  if (m.cfun !== 1 && mode !== 2) return cme(CME.notAllowed);
  if (mode === 2) {
    m.settings.copsMode = 2;
    m.registration.stop();
    return undefined;
  }
  if (mode === 1 || mode === 4) {
    const oper = args.quoted(2);
    const op = m.policy.operator;
    const known = oper === op.plmn || oper === op.longName || oper === op.shortName;
    if (!known && mode === 1) return cme(CME.noNetworkService);
  }
  m.settings.copsMode = mode === 1 ? 1 : 0;
  if (!m.registration.registered && !m.registration.attaching) m.registration.start();
  return undefined;
}

function copsRead(ctx: CommandContext): Outcome {
  const m = ctx.module;
  const mode = m.settings.copsMode;
  if (!m.registration.registered) return info(ctx, `+COPS: ${mode}`);
  const op = m.policy.operator;
  const name = [op.longName, op.shortName, op.plmn][m.settings.copsFormat];
  return info(ctx, `+COPS: ${mode},${m.settings.copsFormat},"${name}",${m.act()}`);
}

async function copsTest(ctx: CommandContext): Promise<Outcome> {
  const m = ctx.module;
  if (m.cfun !== 1) return cme(CME.notAllowed);
  await ctx.sleep(COPS_SCAN_MS);
  if (m.policy.registration === 'no-service') return info(ctx, '+COPS: ,,(0-4),(0-2)');
  const op = m.policy.operator;
  const status = m.registration.registered ? 2 : m.policy.registration === 'denied' ? 3 : 1;
  return info(
    ctx,
    `+COPS: (${status},"${op.longName}","${op.shortName}","${op.plmn}",${m.act()}),,(0-4),(0-2)`,
  );
}

function cgdcontSet(ctx: CommandContext, args: AtArguments): Outcome {
  const cid = args.atMost(6).int(0, { min: 1, max: 15 });
  const contexts = ctx.module.nv.contexts;
  if (args.count === 1) {
    contexts.delete(cid);
    return undefined;
  }
  const type = args.quoted(1, { def: 'IP' }).toUpperCase();
  if (!['IP', 'IPV6', 'IPV4V6', 'NON-IP'].includes(type)) return cme(CME.incorrectParameters);
  const apn = args.quoted(2, { def: '', maxLength: 99 });
  contexts.set(cid, { cid, type, apn });
  return undefined;
}

function cgdcontRead(ctx: CommandContext): Outcome {
  const m = ctx.module;
  for (const c of [...m.nv.contexts.values()].sort((a, b) => a.cid - b.cid)) {
    const addr = c.cid === 1 ? (m.registration.pdpAddress ?? '0.0.0.0') : '0.0.0.0';
    ctx.info(`+CGDCONT: ${c.cid},"${c.type}","${c.apn}","${addr}",0,0`);
  }
  return undefined;
}

export const NETWORK_COMMANDS: readonly AtCommand[] = [
  {
    name: '+CFUN',
    summary: 'functionality: 0 minimum, 1 full, 4 flight; AT+CFUN=1,1 resets',
    set: cfunSet,
    read: (ctx) => info(ctx, `+CFUN: ${ctx.module.cfun}`),
    test: (ctx) => info(ctx, '+CFUN: (0,1,4),(0,1)'),
  },
  {
    name: '+CEREG',
    summary: 'EPS registration status and URC level 0..5',
    set: (ctx, args) => {
      ctx.module.settings.ceregN = args.atMost(1).int(0, { min: 0, max: 5, def: 0 });
      return undefined;
    },
    read: (ctx) => {
      const n = ctx.module.settings.ceregN;
      return info(ctx, `+CEREG: ${n},${ceregFields(ctx.module, n, ctx.module.act())}`);
    },
    test: (ctx) => info(ctx, '+CEREG: (0-5)'),
  },
  {
    name: '+CSCON',
    summary: 'signalling connection status and URC level 0..3',
    set: (ctx, args) => {
      ctx.module.settings.csconN = args.atMost(1).int(0, { min: 0, max: 3, def: 0 });
      return undefined;
    },
    read: (ctx) => {
      const n = ctx.module.settings.csconN;
      return info(ctx, `+CSCON: ${n},${csconFields(ctx.module.radio.connected, n)}`);
    },
    test: (ctx) => info(ctx, '+CSCON: (0-3)'),
  },
  { name: '+COPS', summary: 'operator selection', set: copsSet, read: copsRead, test: copsTest },
  {
    name: '+CESQ',
    summary: 'extended signal quality (rsrq, rsrp)',
    exec: (ctx) => info(ctx, `+CESQ: ${cesqFields(ctx.module)}`),
    test: (ctx) => info(ctx, '+CESQ: (0-63,99),(0-7,99),(0-96,255),(0-49,255),(0-34,255),(0-97,255)'),
  },
  {
    name: '+CSQ',
    summary: 'signal quality (rssi, ber)',
    exec: (ctx) => info(ctx, `+CSQ: ${csqFields(ctx.module)}`),
    test: (ctx) => info(ctx, '+CSQ: (0-31,99),(0-7,99)'),
  },
  {
    name: '+CGDCONT',
    summary: 'PDP context definition',
    set: cgdcontSet,
    read: cgdcontRead,
    test: (ctx) => info(ctx, '+CGDCONT: (1-15),("IP","IPV6","IPV4V6","Non-IP"),,,(0-2),(0-4)'),
  },
  {
    name: '+CGATT',
    summary: 'PS attach state',
    read: (ctx) => info(ctx, `+CGATT: ${ctx.module.registration.registered ? 1 : 0}`),
    set: (ctx, args) => {
      const state = args.atMost(1).int(0, { oneOf: [0, 1] });
      const m = ctx.module;
      if (m.cfun !== 1) return cme(CME.notAllowed);
      if (state === 0) m.registration.stop();
      else if (!m.registration.registered && !m.registration.attaching) m.registration.start();
      return undefined;
    },
    test: (ctx) => info(ctx, '+CGATT: (0,1)'),
  },
  {
    name: '+CGPADDR',
    summary: 'PDP addresses',
    exec: (ctx) => info(ctx, `+CGPADDR: 1,"${ctx.module.registration.pdpAddress ?? '0.0.0.0'}"`),
    set: (ctx, args) => {
      const cid = args.atMost(1).int(0, { min: 1, max: 15 });
      const addr = cid === 1 ? (ctx.module.registration.pdpAddress ?? '0.0.0.0') : '0.0.0.0';
      return info(ctx, `+CGPADDR: ${cid},"${addr}"`);
    },
  },
];

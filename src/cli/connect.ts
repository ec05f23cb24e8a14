import { AtEngine, type Transcript } from '../at/index.ts';
import type { Clock } from '../clock/index.ts';
import { DIALECTS } from '../modem/index.ts';
import { openSerial, type SerialLink } from '../serial/index.ts';

export interface Connection extends AsyncDisposable {
  link: SerialLink;
  engine: AtEngine;
}

/** Open a port and put an AtEngine on it, with every dialect's URCs registered so all are shown. */
export async function connect(
  spec: string,
  options: { baudRate: number; clock: Clock; lock?: boolean; extraPaths?: string[]; transcript?: Transcript },
): Promise<Connection> {
  const link = await openSerial(spec, {
    baudRate: options.baudRate,
    clock: options.clock,
    lock: options.lock ?? true,
    ...(options.extraPaths ? { discovery: { extraPaths: options.extraPaths } } : {}),
  });
  const engine = new AtEngine(link, {
    name: spec,
    clock: options.clock,
    ...(options.transcript ? { transcript: options.transcript } : {}),
  });
  const seen = new Set<string>();
  for (const d of Object.values(DIALECTS)) {
    for (const u of d.urcs) {
      if (!seen.has(u.name)) engine.urcs.add(u);
      seen.add(u.name);
    }
  }
  for (const name of ['+CEREG', '+CSCON', '+CEDRXP', '+CPIN', '+CFUN', '+CGEV', '#XMBMSR', '#XMBMSFILE']) {
    if (!seen.has(name)) {
      const isUrc = name === '+CEREG' ? (l: string) => !/^\+CEREG:\s*\d+,\d+/.test(l) : undefined;
      engine.urcs.add({ name, match: { prefix: `${name}:` }, ...(isUrc ? { isUrc } : {}) });
    }
  }
  return {
    link,
    engine,
    async [Symbol.asyncDispose]() {
      engine.close();
      await link.close();
    },
  };
}

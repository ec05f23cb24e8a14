import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { checkSrsranBinaries, srsranAvailable } from '../src/enb/srsran/index.ts';
import { SRSRAN_ROLES, standInDir } from './fixtures/srsran-standin-dir.ts';

// srsRAN is not installed here: the binaries checked are the srsRAN STAND-IN under their names.

test('doctor with stand-ins: each binary found with the version it prints; host checks listed', async (t) => {
  const s = await standInDir(t);
  const findings = await srsranAvailable(Object.fromEntries(SRSRAN_ROLES.map((r) => [r, s.bin(r)])));
  const bySubject = new Map(findings.map((f) => [f.subject, f]));
  // srsenb and srsue print "Version 23.4.0"; srsmbms and srsepc only their "Built ... using 23.04.0." line.
  t.like(bySubject.get('srsenb'), { ok: true, version: '23.4.0', path: s.bin('srsenb') });
  t.like(bySubject.get('srsue'), { ok: true, version: '23.4.0' });
  t.like(bySubject.get('srsmbms'), { ok: true, version: '23.04.0' });
  t.like(bySubject.get('srsepc'), { ok: true, version: '23.04.0' });
  t.like(bySubject.get('TUN device'), { ok: existsSync('/dev/net/tun') });
  t.like(bySubject.get('privileges'), { ok: process.getuid?.() === 0 });
  for (const subject of ['kernel SCTP', 'network namespaces'])
    t.truthy(bySubject.get(subject)?.detail, subject);
  if (existsSync('/proc/net/sctp')) t.true(bySubject.get('kernel SCTP')?.ok);
});

test('doctor: a missing binary and one that prints no version are findings, not exceptions', async (t) => {
  const s = await standInDir(t);
  const silent = join(s.dir, 'silent-srsenb');
  await writeFile(silent, '#!/bin/sh\nsleep 30\n');
  await chmod(silent, 0o755);
  const findings = await srsranAvailable(
    { srsmbms: join(s.dir, 'absent'), srsenb: silent, srsepc: 'srsepc-not-installed' },
    { timeoutMs: 300 },
  );
  const bySubject = new Map(findings.map((f) => [f.subject, f]));
  t.like(bySubject.get('srsmbms'), { ok: false, detail: `${join(s.dir, 'absent')}: does not exist` });
  t.like(bySubject.get('srsepc'), { ok: false });
  t.regex(bySubject.get('srsepc')?.detail ?? '', /^srsepc-not-installed: not found on PATH/);
  t.like(bySubject.get('srsenb'), { ok: false });
  t.regex(bySubject.get('srsenb')?.detail ?? '', /--version printed no version \(no output\)/);
  const invalid = await checkSrsranBinaries({ workDir: '/tmp/x', mbsfn: { mcs: 40 } });
  t.is(invalid.length, 1);
  t.like(invalid[0], { subject: 'config', ok: false });
  t.regex(invalid[0]?.detail ?? '', /^eNB srsran: config: mbsfn\.mcs: /);
});

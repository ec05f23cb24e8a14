#!/usr/bin/env node
// Launcher for the `rig` CLI: runs the TypeScript sources through tsx, so there is no build step.
import { register } from 'tsx/esm/api';

register();
// Signals end the process through exit(), so port locks are released by their exit handlers;
// a command with its own handler (rig emulate stops its pty cleanly) is left to do that itself.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (process.listenerCount(sig) === 1) process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}
const { main, UsageError } = await import(new URL('../src/cli/main.ts', import.meta.url).href);
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${e instanceof UsageError ? e.message : `rig: ${e.message}`}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
}

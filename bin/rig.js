#!/usr/bin/env node
// Launcher for the `rig` CLI: runs the TypeScript sources through tsx so no build step is needed.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('tsx/esm', pathToFileURL('./'));
await import(new URL('../src/cli/main.ts', import.meta.url).href);

#!/usr/bin/env node
/** Entry point of the `kms-verify` binary; everything else is in run.ts so tests can call it. */

import { processIo } from './io.js';
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), processIo);

/**
 * `npm run bench [-- AREA] [--rounds N] [--slice MS]`: runs the benchmark groups of an area (or all)
 * and prints a markdown table of rates and ratios against the best peer of each group. The audit
 * area runs whole jobs instead (100k and 1M records, 1 and 2 workers) and needs `npm run build`.
 * The browser area runs its groups inside headless Chromium, with the same runner.
 */

import { parseArgs } from 'node:util';
import { auditRuns, formatAuditRuns } from './audit.js';
import { browserResults, formatVersusJose } from './browser.js';
import { encryptGroups } from './encrypt.js';
import { keyRingGroups } from './key-ring.js';
import { formatResults, type Group, runGroup } from './runner.js';
import { verifyGroups } from './verify.js';

const AREAS: ReadonlyMap<string, () => Promise<Group[]>> = new Map([
  ['verify', verifyGroups],
  ['encrypt', encryptGroups],
  ['key-ring', keyRingGroups],
]);

const { values, positionals } = parseArgs({
  options: {
    rounds: { type: 'string', default: '25' },
    slice: { type: 'string', default: '60' },
    filter: { type: 'string' },
  },
  allowPositionals: true,
});
const areas = positionals.length > 0 ? positionals : [...AREAS.keys(), 'browser', 'audit'];
const options = { rounds: Number(values.rounds), sliceMs: Number(values.slice) };
console.log(
  `node ${process.version}, ${options.rounds} interleaved rounds of ${options.sliceMs} ms per candidate\n`,
);
for (const area of areas) {
  if (area === 'audit') {
    // Whole-job runs in child processes: rates and peak RSS, not interleaved micro-rounds.
    console.log(`## audit\n\n${formatAuditRuns(auditRuns())}\n`);
    continue;
  }
  if (area === 'browser') {
    const run = await browserResults(options, values.filter);
    console.log(`## browser (Chromium ${run.browserVersion})\n\n${formatResults(run.results)}\n`);
    console.log(`${formatVersusJose(run.results)}\n`);
    continue;
  }
  const groups = AREAS.get(area);
  if (groups === undefined)
    throw new Error(
      `unknown benchmark area ${area}; known: ${[...AREAS.keys(), 'browser', 'audit'].join(', ')}`,
    );
  const results = [];
  for (const group of await groups()) {
    if (values.filter !== undefined && !group.title.includes(values.filter)) continue;
    results.push(...(await runGroup(group, options)));
  }
  console.log(`## ${area}\n\n${formatResults(results)}\n`);
  for (const group of new Set(results.map((result) => result.group))) {
    const ours = results.find((result) => result.group === group && result.ours);
    const peer = results.find((result) => result.group === group && !result.ours);
    if (area === 'key-ring' && ours !== undefined && peer !== undefined) {
      console.log(
        `${group}: ${(1e6 / ours.perSecond - 1e6 / peer.perSecond).toFixed(2)} µs per call over the bare primitive`,
      );
    }
  }
}

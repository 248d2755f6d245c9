/**
 * The benchmark runner. Candidates of a group run in interleaved rounds (the machine is shared and
 * noisy: interleaving spreads any slowdown over all candidates), each round a fixed time slice;
 * the median rate across rounds is reported, and each candidate's ratio to the best peer is the
 * median of its per-round ratios (measurements seconds apart, not minutes). Every candidate is checked to give the expected answer before it is timed, so a broken path
 * can never look fast.
 */

export interface Candidate {
  readonly name: string;
  /** Ours or a peer; ratios are against the best peer. */
  readonly ours: boolean;
  readonly run: () => unknown;
  /** What run() must return (awaited); checked once before timing. */
  readonly expect: unknown;
}

export interface Group {
  readonly title: string;
  readonly candidates: readonly Candidate[];
}

export interface Options {
  readonly rounds: number;
  readonly sliceMs: number;
}

async function rate(run: () => unknown, sliceMs: number): Promise<number> {
  let operations = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < sliceMs) {
    // Batches of 8 keep the clock out of the measured work.
    for (let index = 0; index < 8; index++) await run();
    operations += 8;
    elapsed = performance.now() - started;
  }
  return (operations / elapsed) * 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export interface Result {
  readonly group: string;
  readonly name: string;
  readonly ours: boolean;
  readonly perSecond: number;
  /** Rate divided by the best peer's rate in this group (NaN when the group has no peer). */
  readonly ratio: number;
}

export async function runGroup(group: Group, options: Options): Promise<Result[]> {
  for (const candidate of group.candidates) {
    const answer = await candidate.run();
    if (answer !== candidate.expect) {
      throw new Error(
        `${group.title} / ${candidate.name}: returned ${String(answer)}, expected ${String(candidate.expect)}`,
      );
    }
    await rate(candidate.run, Math.min(100, options.sliceMs)); // warm-up
  }
  const samples = group.candidates.map(() => [] as number[]);
  for (let round = 0; round < options.rounds; round++) {
    for (let offset = 0; offset < group.candidates.length; offset++) {
      const index = (round + offset) % group.candidates.length;
      samples[index]?.push(await rate((group.candidates[index] as Candidate).run, options.sliceMs));
    }
  }
  const rates = samples.map(median);
  // The best peer by median rate; each candidate's ratio is the median of its per-round ratios to
  // that peer, so a burst of machine noise moves single rounds, not the result.
  let bestPeer = -1;
  group.candidates.forEach((candidate, index) => {
    if (!candidate.ours && (bestPeer === -1 || (rates[index] as number) > (rates[bestPeer] as number)))
      bestPeer = index;
  });
  return group.candidates.map((candidate, index) => ({
    group: group.title,
    name: candidate.name,
    ours: candidate.ours,
    perSecond: rates[index] as number,
    ratio:
      bestPeer === -1
        ? Number.NaN
        : median(
            (samples[index] as number[]).map(
              (value, round) => value / ((samples[bestPeer] as number[])[round] as number),
            ),
          ),
  }));
}

export function formatResults(results: readonly Result[]): string {
  const lines = ['| case | candidate | ops/s | vs best peer |', '|---|---|---:|---:|'];
  let previous = '';
  for (const result of results) {
    const ratio = Number.isNaN(result.ratio) ? '' : `${result.ratio.toFixed(2)}x`;
    lines.push(
      `| ${result.group === previous ? '' : result.group} | ${result.ours ? '**' : ''}${result.name}${result.ours ? '**' : ''} | ${Math.round(result.perSecond).toLocaleString('en-US')} | ${ratio} |`,
    );
    previous = result.group;
  }
  return lines.join('\n');
}

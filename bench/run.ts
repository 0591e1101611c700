/**
 * `npm run bench`: runs every benchmark part, prints the ratios against baselines measured
 * in the same run, and writes bench/RESULTS.md with the machine description and date.
 * Parts: `npm run bench -- calendar` runs only the named parts.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runCalendarBench } from './calendar.bench.js';

interface Section {
  title: string;
  lines: string[];
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (part: string) => only.length === 0 || only.includes(part);
  const sections: Section[] = [];

  if (want('calendar')) {
    const rows = runCalendarBench();
    const lines = [
      '| operation | indexed ops/s | naive luxon loop ops/s | ratio |',
      '|---|---|---|---|',
      ...rows.map((r) => `| ${r.name} | ${fmt(r.indexedOpsPerSec)} | ${fmt(r.naiveOpsPerSec)} | **${r.ratio.toFixed(0)}×** |`),
      '',
      `Target ≥ 100×: ${rows.every((r) => r.ratio >= 100) ? 'met' : 'NOT met'}. Both implementations are checked to agree on all ${rows[0]?.inputs} inputs first.`,
    ];
    sections.push({ title: 'Calendar: deadlines vs a naive luxon day-by-day loop', lines });
    for (const r of rows) console.log(`calendar: ${r.name}: ${r.ratio.toFixed(0)}× (${fmt(r.indexedOpsPerSec)} vs ${fmt(r.naiveOpsPerSec)} ops/s)`);
  }

  if (want('engine')) {
    try {
      // A variable specifier: the engine part is optional while it is being built.
      const specifier = './engine.bench.js';
      const mod = (await import(specifier)) as { runEngineBench?: () => Promise<{ markdown: string[]; summary: string }> };
      if (mod.runEngineBench) {
        const r = await mod.runEngineBench();
        sections.push({ title: 'Engine: durable commands, group commit vs one commit per command', lines: r.markdown });
        console.log(`engine: ${r.summary}`);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    }
  }

  const cpus = os.cpus();
  const header = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()}.`,
    '',
    `Machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}.`,
    'These machines are noisy: compare the ratios (measured against a baseline in the same run), not absolute numbers.',
    '',
  ];
  const body = sections.flatMap((s) => [`## ${s.title}`, '', ...s.lines, '']);
  writeFileSync(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), [...header, ...body].join('\n'));
  console.log('wrote bench/RESULTS.md');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

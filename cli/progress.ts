// backfill's progress line for a person at a terminal: chunks and bytes done of those listed
// so far, the rate and an ETA. Nothing at all when stderr is not a terminal (logs stay clean).

import type { SweepProgress, SweepReport } from '../lib/sweep';
import type { CliIo } from './io';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Redraws at most this often: a small-chunk backfill settles hundreds of chunks a second. */
const REDRAW_MS = 100;

export function bytesText(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

export function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * One line of progress. The rate is over the bytes ingested so far (up-to-date chunks cost a
 * lookup, not a read); the ETA assumes the rest of what is listed is to be ingested, and
 * says "+" while the listing goes on (more may come).
 */
export function progressText(r: SweepReport, p: SweepProgress, elapsedMs: number): string {
  const more = p.listingComplete ? '' : '+';
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const rate = p.ingestedBytes / seconds;
  const left = p.candidateBytes - p.doneBytes;
  const eta = rate > 0 ? `ETA ${durationText((left / rate) * 1000)}${more}` : 'ETA …';
  return [
    `${p.done}/${p.candidates}${more} chunks`,
    `${bytesText(p.doneBytes)}/${bytesText(p.candidateBytes)}${more}`,
    `${bytesText(rate)}/s`,
    `${(r.processed / seconds).toFixed(1)} chunks/s`,
    eta,
    `${r.processed} processed · ${r.upToDate} up to date · ${r.failed.length} failed`,
  ].join(' · ');
}

export function progressLine(io: CliIo, now: () => number = Date.now): { update: (r: SweepReport, p: SweepProgress) => void; done: () => void } {
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const started = now();
  let n = 0;
  let drawn = 0;
  let last: { r: SweepReport; p: SweepProgress } | undefined;
  const draw = (): void => {
    if (!last) return;
    drawn = now();
    const bar = '█'.repeat(Math.min(20, Math.round((20 * last.p.doneBytes) / Math.max(1, last.p.candidateBytes))));
    io.stderr.write(`\r${FRAMES[n++ % FRAMES.length]} [${bar.padEnd(20, '░')}] ${progressText(last.r, last.p, drawn - started)} \x1b[K`);
  };
  return {
    update: (r, p) => {
      if (!tty) return;
      last = { r, p };
      if (now() - drawn >= REDRAW_MS || p.listingComplete && p.done === p.candidates) draw();
    },
    done: () => {
      if (!tty) return;
      draw();
      io.stderr.write('\n');
    },
  };
}

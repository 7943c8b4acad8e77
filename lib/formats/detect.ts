// Chooses the parser for a chunk from its first decoded bytes, so that chunks are
// recognised whatever their key or extension.

import type { Format } from '../records';

const FSCSM_START = /^\d{4}\/\d{1,2}\/\d{1,2}[\t ]+\d{1,2}:\d{2}/;

export type FormatChoice = 'auto' | Format;

/** The format of a chunk, or undefined when its first line matches none. */
export function detectFormat(head: Buffer): Format | undefined {
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const firstLine = text.split('\n').find((l) => l.trim() !== '');
  if (firstLine === undefined) return undefined;
  if (FSCSM_START.test(firstLine.trimStart())) return 'fscsm';
  return undefined;
}

/**
 * The configured choice wins; "auto" uses detection and falls back to FSCSM, the one
 * line format known today, so an unrecognised chunk still yields one error record per line.
 */
export function chooseFormat(choice: FormatChoice, head: Buffer): { format: Format; detected: boolean } {
  if (choice !== 'auto') return { format: choice, detected: false };
  const found = detectFormat(head);
  return { format: found ?? 'fscsm', detected: found !== undefined };
}

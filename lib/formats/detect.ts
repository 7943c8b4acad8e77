// Chooses the parser for a chunk from its first decoded bytes, so that chunks are
// recognised whatever their key or extension.

import type { Format } from '../records';
import { FLUENTD_PREFIX } from './cadf';
import { FSCSM_START } from './shipped';

// A CADF event names its typeURI and eventTime; inside an oslo.message string they are escaped.
const CADF_MARKER = /eventTime|cloud\\*\/audit\\*\/1\.0\\*\/event/;

export type FormatChoice = 'auto' | Format;

/**
 * How a CADF chunk is laid out, which decides how it is split:
 * - `json-array`: a top-level array of events, split element by element;
 * - `json-documents`: one or more JSON documents, pretty-printed or concatenated, split by value;
 * - `json-lines`: one JSON value per line;
 * - `fluentd`: `time<TAB>tag<TAB>json` lines.
 * The first two are read by value (counts are per event), the last two by line.
 */
export type CadfLayout = 'json-array' | 'json-documents' | 'json-lines' | 'fluentd';

/** The format of a chunk, or undefined when its first line matches none. */
export function detectFormat(head: Buffer): Format | undefined {
  const text = headText(head);
  const firstLine = text.split('\n').find((l) => l.trim() !== '');
  if (firstLine === undefined) return undefined;
  const start = firstLine.trimStart();
  if (FSCSM_START.test(start)) return 'fscsm';
  if ((start.startsWith('{') || start.startsWith('[') || FLUENTD_PREFIX.test(start)) && CADF_MARKER.test(text)) return 'cadf';
  return undefined;
}

/**
 * The layout of a CADF chunk from its first bytes: `[` is an array; `{` is JSON Lines when the
 * whole first line is one JSON value, else documents (a first line longer than the head counts
 * as documents, which read JSON Lines correctly too); anything else is read line by line.
 */
export function detectCadfLayout(head: Buffer): CadfLayout {
  const text = headText(head).trimStart();
  if (text.startsWith('[')) return 'json-array';
  const nl = text.indexOf('\n');
  const firstLine = nl === -1 ? text : text.slice(0, nl);
  if (FLUENTD_PREFIX.test(firstLine)) return 'fluentd';
  if (!text.startsWith('{')) return 'json-lines';
  if (nl === -1) return 'json-documents';
  try {
    JSON.parse(firstLine);
    return 'json-lines';
  } catch {
    return 'json-documents';
  }
}

/**
 * How a chunk is read:
 * - `fscsm`: every line by the FSCSM parser (a plain FSCSM log, or INPUT_FORMAT=fscsm);
 * - `cadf`: every line or value by the CADF parser (INPUT_FORMAT=cadf);
 * - `values`: a JSON array or documents, each value through the shipper stage (CADF events,
 *   or a shipper's records such as Vector's JSON array);
 * - `shipped`: anything else line by line through the shipper stage (formats/shipped.ts):
 *   envelopes, CADF JSON Lines, oslo.log service logs, mixed chunks.
 */
export type Reader = 'fscsm' | 'cadf' | 'values' | 'shipped';

/** The configured choice wins; "auto" reads a plain FSCSM log as such and everything else through the shipper stage. */
export function chooseReader(choice: FormatChoice, head: Buffer): { format: Format; detected: boolean; reader: Reader } {
  if (choice !== 'auto') return { format: choice, detected: false, reader: choice };
  const found = detectFormat(head);
  if (found === 'fscsm') return { format: 'fscsm', detected: true, reader: 'fscsm' };
  const layout = detectCadfLayout(head);
  const reader = layout === 'json-array' || layout === 'json-documents' ? 'values' : 'shipped';
  // `format` until records say otherwise (the pipeline reports the format most records have).
  return { format: found ?? 'fscsm', detected: found !== undefined, reader };
}

function headText(head: Buffer): string {
  return head.toString('utf8').replace(/^\uFEFF/, '');
}

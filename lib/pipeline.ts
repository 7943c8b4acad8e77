// The read path as composable stages: object bytes -> inflate -> lines (or, for CADF documents
// and arrays, JSON values) -> records -> JSON Lines. FSCSM lines in printable ASCII skip the
// record stage: they go from bytes to JSON directly (formats/fscsm-bytes.ts).
// Nothing here knows where the bytes come from or go to (S3, a file, a test).

import { cadfError, cadfRecord, capRaw, createCadfLineParser, RAW_CAP_BYTES } from './formats/cadf';
import { chooseReader, detectCadfLayout, type CadfLayout, type FormatChoice } from './formats/detect';
import { createFscsmParser } from './formats/fscsm';
import { createShippedReader, FSCSM_START, type Contents, type LineOutcome, type LineReader } from './formats/shipped';
import { createEnvelopeByteEncoder } from './formats/envelope-bytes';
import { createFscsmByteBody, createFscsmByteEncoder, DECLINED, WROTE_FAILED, type ByteLineEncoder } from './formats/fscsm-bytes';
import { JsonLinesWriter, serialize } from './json-lines';
import { idReplayStart, RecordIds } from './record-id';
import type { Counts, Draft, ErrorRecord, Format, OutputRecord } from './records';
import { decode, InflateError, type Compression } from './stream/inflate';
import { splitJsonValues, type JsonValueItem } from './stream/json-values';
import { toUtf8 } from './stream/transcode';
import { decodeRegion, decodeSpan, isRegion, sliceRegion, splitLineItems, withoutCr, type Line, type LineItem, type LineRegion } from './stream/lines';

export interface ParseOptions {
  format: FormatChoice;
  timeZone: string;
  /** Longest line kept, in bytes; for CADF documents and arrays also the longest event. */
  maxLineBytes: number;
  maxDecompressedBytes: number;
  /** Character encoding of the source (a WHATWG label); transcoded to UTF-8 unless UTF-8 (the default). */
  sourceEncoding?: string;
  /** A shipper's JSON field holding the log line (ENVELOPE_FIELD), tried before `log` and `message`. */
  envelopeField?: string | undefined;
}

export const DEFAULT_PARSE_OPTIONS: ParseOptions = {
  format: 'auto',
  timeZone: 'UTC',
  maxLineBytes: 1024 * 1024,
  maxDecompressedBytes: 8 * 1024 ** 3,
};

/** Bytes read ahead for detection: enough to hold a whole first JSON Lines event (a few KiB, rarely more). */
const SNIFF_BYTES = 64 * 1024;

/** Where a previous invocation stopped: the chunk goes on from there. */
export interface ResumePoint {
  /** Offset in the decompressed bytes where the next line starts. */
  offset: number;
  /** The last line number already emitted. */
  line: number;
  format: Format;
  /** The chunk is read through the shipper stage (formats/shipped.ts), not by one format's parser. */
  shipped?: boolean;
  /** The format was detected (so a detected FSCSM log hands its other lines to the shipper stage). */
  detected?: boolean;
}

export interface StreamControl {
  /** Continue an earlier run of the same chunk (line layouts only). */
  resume?: ResumePoint;
  /** Asked after each batch: true stops at that line boundary, with `stoppedAt` set. */
  shouldStop?: () => boolean;
  /**
   * The consumer is done with a batch (its json and its records) once it asks for the batch
   * after the next: it may write one while the next is made. Two output buffers then take
   * turns instead of a fresh one per batch (json-lines.ts).
   */
  lendOutput?: boolean;
}

/** One batch of output, in line order. */
export interface OutputBatch {
  /** Every record of the batch as JSON Lines. */
  json: Buffer;
  /**
   * The batch's records as objects, in line order: all of them, except the FSCSM SUCCESS
   * lines written straight from their bytes. So every error record and every FAILED or
   * PENDING entry is here, for whoever acts on them (notify). Built when first read.
   */
  readonly records: OutputRecord[];
}

export interface ParsedObject {
  format: Format;
  formatDetected: boolean;
  compression: Compression;
  /** CADF only: how the chunk is laid out, and so whether counts are per line or per event. */
  layout: CadfLayout | undefined;
  /** Output batches in line order. Iterate once. */
  batches: AsyncIterable<OutputBatch>;
  /** Live counters; final once `batches` is exhausted. */
  counts: Counts;
  /** Read through the shipper stage: lines per envelope and inner format (live, like counts). */
  contents: Contents | undefined;
  /** Set when the input ended early (damaged gzip, decompression limit). */
  readonly streamError: string | undefined;
  /** Set when shouldStop ended the run early: where the next run resumes. */
  readonly stoppedAt: ResumePoint | undefined;
}

/**
 * The read path: decode (inflate, transcode to UTF-8) → detect (the format, and how to read
 * it) → split (lines, or JSON values) → records (batches of JSON Lines). The batches are
 * lazy: no byte is split before the caller iterates them.
 */
export async function parseObject(
  source: AsyncIterable<Uint8Array>,
  options: ParseOptions,
  control: StreamControl = {},
): Promise<ParsedObject> {
  const decoded = toUtf8(await decode(source, { maxDecompressedBytes: options.maxDecompressedBytes, sniffBytes: SNIFF_BYTES }), options.sourceEncoding);
  const { choice, layout } = detect(options, control.resume, decoded.head);
  const run = startRun(options, control, decoded.chunks, choice);
  return parsedObject(run, decoded.compression, layout, recordBatches(run, layout));
}

/** How a chunk is read: its format, whether that was detected, and which reader (formats/detect.ts). */
type ReaderChoice = ReturnType<typeof chooseReader>;

type ShippedReader = ReturnType<typeof createShippedReader>;

/**
 * What the stages of one run share, set up once by parseObject and handed to lineRecords,
 * valueRecords and byteEncoder (rather than closures over many locals).
 */
interface Run {
  readonly options: ParseOptions;
  readonly control: StreamControl;
  readonly resume: ResumePoint | undefined;
  /** The decoded (inflated, UTF-8) bytes of the chunk. */
  readonly chunks: AsyncIterable<Buffer>;
  readonly choice: ReaderChoice;
  /** Read through the shipper stage (formats/shipped.ts) from the start. */
  readonly shipped: boolean;
  readonly counts: Counts;
  readonly contents: Contents | undefined;
  readonly reader: ShippedReader | undefined;
  /** One id state per run: identical lines are numbered within the chunk (lib/record-id.ts). */
  readonly ids: RecordIds;
  readonly state: { streamError: string | undefined; stoppedAt: ResumePoint | undefined };
}

/** The reader for the chunk, and for CADF its layout (whether counts are per line or per event). */
function detect(options: ParseOptions, resume: ResumePoint | undefined, head: Buffer): { choice: ReaderChoice; layout: CadfLayout | undefined } {
  // A resumed run starts mid-object: its first bytes say nothing about the format.
  const choice: ReaderChoice = resume
    ? { format: resume.format, detected: resume.detected === true, reader: resume.shipped === true ? ('shipped' as const) : resume.format }
    : chooseReader(options.format, head);
  const layout = choice.reader === 'values' || choice.format === 'cadf' ? detectCadfLayout(head) : undefined;
  return { choice, layout };
}

function startRun(options: ParseOptions, control: StreamControl, chunks: AsyncIterable<Buffer>, choice: ReaderChoice): Run {
  const shipped = choice.reader === 'shipped' || choice.reader === 'values';
  // otherLines only where there can be any: a plain FSCSM or strict CADF read has none.
  const counts: Counts = { totalLines: 0, blankLines: 0, parsed: 0, errors: 0, failedOperations: 0, pendingOperations: 0, ...(shipped ? { otherLines: 0 } : {}) };
  // A detected FSCSM log may still hold shipped lines further on: they take the shipper stage too.
  const contents: Contents | undefined = shipped || choice.detected ? { envelopes: {}, formats: {} } : undefined;
  const reader = contents ? createShippedReader({ timeZone: options.timeZone, envelopeField: options.envelopeField }, contents) : undefined;
  return {
    options,
    control,
    resume: control.resume,
    chunks,
    choice,
    shipped,
    counts,
    contents,
    reader,
    ids: new RecordIds(),
    state: { streamError: undefined, stoppedAt: undefined },
  };
}

/** Split and records: the reader the choice names, over lines or over JSON values. */
function recordBatches(run: Run, layout: CadfLayout | undefined): AsyncIterable<OutputBatch> {
  const { options, reader } = run;
  switch (run.choice.reader) {
    case 'shipped':
      return lineRecords(run, (reader as ShippedReader).line, RAW_CAP_BYTES, byteEncoder(run, true));
    case 'values':
      return valueRecords(run);
    case 'fscsm': {
      const fscsm = createFscsmParser({ timeZone: options.timeZone });
      // Detected (not configured): a line that is not FSCSM goes to the shipper stage.
      const line = reader ? (no: number, text: string) => (FSCSM_START.test(text) ? fscsm(no, text) : reader.line(no, text)) : fscsm;
      return lineRecords(run, line, undefined, byteEncoder(run, false));
    }
    case 'cadf':
      return layout === 'json-array' || layout === 'json-documents' ? valueRecords(run) : lineRecords(run, createCadfLineParser(), RAW_CAP_BYTES);
  }
}

/** The run as the caller sees it: counts, contents and format are live until the batches are read. */
function parsedObject(run: Run, compression: Compression, layout: CadfLayout | undefined, batches: AsyncIterable<OutputBatch>): ParsedObject {
  const { choice, contents, shipped, counts, state } = run;
  return {
    get format() {
      return formatNow(run);
    },
    get formatDetected() {
      if (!contents || !shipped) return choice.detected;
      const f = contents.formats;
      return (f['fscsm'] ?? 0) + (f['cadf'] ?? 0) + (f['cadf (oslo.log)'] ?? 0) > 0;
    },
    compression,
    layout,
    batches,
    counts,
    // Only when the shipper stage saw anything: a plain FSCSM log has no contents to report.
    get contents() {
      return contents && (shipped || Object.keys(contents.formats).length > 0) ? contents : undefined;
    },
    get streamError() {
      return state.streamError;
    },
    get stoppedAt() {
      return state.stoppedAt;
    },
  };
}

/** Through the shipper stage, the chunk's format is the one most of its audit records have. */
function formatNow(run: Run): Format {
  const { choice, contents } = run;
  if (!contents || !run.shipped) return choice.format;
  const f = contents.formats;
  const cadf = (f['cadf'] ?? 0) + (f['cadf (oslo.log)'] ?? 0);
  const fscsm = f['fscsm'] ?? 0;
  return cadf === 0 && fscsm === 0 ? choice.format : cadf > fscsm ? 'cadf' : 'fscsm';
}

/**
 * A damaged gzip ends the byte stream cleanly here, so the splitter still flushes the
 * partial last line; the damage itself becomes one error record after it.
 */
async function* untilDamage(run: Run, skipResumed: boolean): AsyncGenerator<Buffer> {
  const skip = run.resume?.offset ?? 0;
  try {
    yield* skipResumed && skip > 0 ? skipBytes(run.chunks, skip) : run.chunks;
  } catch (err) {
    if (!(err instanceof InflateError)) throw err;
    run.state.streamError = err.message;
  }
}

function tally(counts: Counts, rec: OutputRecord): void {
  if (rec.kind === 'entry') {
    counts.parsed += 1;
    if (rec.outcome === 'FAILED') counts.failedOperations += 1;
    else if (rec.outcome === 'PENDING') counts.pendingOperations = (counts.pendingOperations ?? 0) + 1;
  } else {
    counts.errors += 1;
  }
}

function* damage(run: Run, lastLine: number): Generator<OutputBatch> {
  const { counts, state } = run;
  if (state.streamError === undefined) return;
  counts.totalLines += 1;
  counts.errors += 1;
  const rec = run.ids.assign({ line: lastLine + 1, kind: 'error', reason: state.streamError, raw: '' });
  yield { json: Buffer.from(serialize(rec) + '\n', 'utf8'), records: [rec] };
}

/**
 * Line formats: one record per non-blank line; `encode` takes the lines it can write from
 * their bytes. A resumed run reads the chunk from its start (as it must for gzip anyway):
 * the lines earlier runs emitted are skipped, except the last id window's, which are read
 * again for their effect on ids and on the shipper stage's state only (lib/record-id.ts).
 */
async function* lineRecords(run: Run, parser: LineReader, rawCap: number | undefined, encode?: ByteLineEncoder): AsyncGenerator<OutputBatch> {
  const { options, control, resume, counts, contents, ids, state } = run;
  const emitted = resume?.line ?? 0;
  const replayFrom = resume ? idReplayStart(resume.line) : Infinity;
  let lastLine = emitted;
  let replaying = emitted > 0;
  const position = { nextLineOffset: 0 };
  const split = splitLineItems(untilDamage(run, false), {
    maxLineBytes: options.maxLineBytes,
    position,
    ...(rawCap !== undefined ? { oversizedHeadBytes: rawCap } : {}),
  });
  const writer = new JsonLinesWriter(undefined, control.lendOutput === true);
  let records: OutputRecord[] = [];
  let failedAt: number[] = [];
  const replayLine = (line: Line): void => {
    const draft = toRecord(line, parser, options.maxLineBytes, rawCap);
    if (typeof draft === 'object') ids.assign(draft);
  };
  const scratch = new JsonLinesWriter(4096);
  /** An item of lines up to `emitted`: replays what is in the window, returns the rest (or undefined). */
  const replay = (item: LineItem): LineItem | undefined => {
    if (!isRegion(item)) {
      if (item.no > emitted) return item;
      if (item.no >= replayFrom) replayLine(item);
      return undefined;
    }
    const n = item.ends.length;
    const from = Math.max(0, replayFrom - item.firstNo);
    const to = Math.min(n, emitted - item.firstNo + 1);
    if (from < to) {
      readRegion(sliceRegion(item, from, to), encode, scratch, replayLine);
      scratch.pos = 0;
    }
    return to >= n ? undefined : to <= 0 ? item : sliceRegion(item, to, n);
  };
  const general = (line: Line): void => {
    counts.totalLines += 1;
    const draft = toRecord(line, parser, options.maxLineBytes, rawCap);
    if (draft === 'blank') {
      counts.blankLines += 1;
      return;
    }
    if (draft === 'other') {
      counts.otherLines = (counts.otherLines ?? 0) + 1;
      return;
    }
    const rec = ids.assign(draft);
    tally(counts, rec);
    records.push(rec);
    writer.write(rec);
  };
  const batches = split[Symbol.asyncIterator]();
  for (let batch = await batches.next(); !batch.done; ) {
    for (const next of batch.value) {
      let item: LineItem | undefined = next;
      if (replaying) {
        item = replay(next);
        if (item === undefined) continue;
        replaying = false;
        // The replayed lines were counted by the runs that emitted them.
        if (contents) for (const counted of [contents.envelopes, contents.formats]) for (const k of Object.keys(counted)) delete counted[k];
      }
      if (!isRegion(item)) {
        general(item);
        lastLine = item.no;
        continue;
      }
      lastLine = item.firstNo + item.ends.length - 1;
      const failedBefore = failedAt.length;
      const taken = readRegion(item, encode, writer, general, failedAt);
      counts.totalLines += taken;
      counts.parsed += taken;
      counts.failedOperations += failedAt.length - failedBefore;
    }
    if (writer.length > 0 || records.length > 0) {
      yield lineBatch(writer.take(), records, failedAt);
      records = [];
      failedAt = [];
    }
    // Not while replaying: a run must emit something before it may stop (replay is quicker than parsing).
    const stop = !replaying && control.shouldStop?.() === true;
    const offset = position.nextLineOffset;
    // The next batch is read before stopping: a stop after the chunk's last line would leave
    // the next run nothing to read but an empty part (seen under load in the osls-cli suite).
    batch = await batches.next();
    if (stop && !batch.done && state.streamError === undefined) {
      state.stoppedAt = {
        offset,
        line: lastLine,
        format: formatNow(run),
        ...(run.shipped ? { shipped: run.shipped } : {}),
        ...(run.choice.detected ? { detected: true } : {}),
      };
      await batches.return(undefined); // closes the source stream
      return;
    }
  }
  yield* damage(run, lastLine);
}

/**
 * Writes the region's lines `encode` takes into `out` and hands the others to `other`;
 * returns how many it took. Where each FAILED one starts in `out` goes to `failedAt`.
 */
function readRegion(region: LineRegion, encode: ByteLineEncoder | undefined, out: JsonLinesWriter, other: (line: Line) => void, failedAt?: number[]): number {
  if (encode === undefined) {
    // No byte path (CADF lines): one decode for the whole region.
    for (const line of decodeRegion(region)) other(line);
    return 0;
  }
  const { bytes, ends, firstNo } = region;
  let taken = 0;
  let start = region.start;
  for (let i = 0; i < ends.length; i += 1) {
    const no = firstNo + i;
    const end = withoutCr(bytes, start, ends[i] as number);
    const at = out.pos;
    const wrote = encode(bytes, start, end, no, out);
    if (wrote === DECLINED) other(decodeSpan(no, bytes, start, end));
    else {
      taken += 1;
      if (wrote === WROTE_FAILED) failedAt?.push(at);
    }
    start = (ends[i] as number) + 1;
  }
  return taken;
}

/** CADF documents and arrays: one record per top-level value (array element), `line` where it starts. */
async function* valueRecords(run: Run): AsyncGenerator<OutputBatch> {
  const { options, counts, reader, ids, control } = run;
  const progress = { lines: 0 };
  const split = splitJsonValues(untilDamage(run, true), { maxValueBytes: options.maxLineBytes, headBytes: RAW_CAP_BYTES }, progress);
  const writer = new JsonLinesWriter(undefined, control.lendOutput === true);
  for await (const items of split) {
    const records: OutputRecord[] = [];
    for (const item of items) {
      counts.totalLines += 1;
      const out = valueToRecord(item, options.maxLineBytes, reader?.value);
      if (out === 'blank') counts.blankLines += 1;
      else if (out === 'other') counts.otherLines = (counts.otherLines ?? 0) + 1;
      else {
        const rec = ids.assign(out);
        tally(counts, rec);
        writer.write(rec);
        records.push(rec);
      }
    }
    if (writer.length > 0 || records.length > 0) yield { json: writer.take(), records };
  }
  yield* damage(run, progress.lines);
}

/**
 * The byte path: FSCSM lines, raw or (through the shipper stage) in a flat JSON envelope. `tallyRaw`: raw lines count in the contents too (a shipped chunk's summary).
 */
function byteEncoder(run: Run, tallyRaw: boolean): ByteLineEncoder {
  const { options, reader, contents, ids } = run;
  const raw = createFscsmByteEncoder({ timeZone: options.timeZone, ids });
  if (!reader || !contents) return raw;
  const audit = reader.audit;
  const envelope = createEnvelopeByteEncoder({
    body: createFscsmByteBody({ timeZone: options.timeZone, ids }),
    envelopeField: options.envelopeField,
    contents,
    onAudit: audit,
  });
  const f = contents.formats;
  const e = contents.envelopes;
  return (src, start, end, no, out) => {
    if (src[start] === 0x7b) return envelope(src, start, end, no, out);
    const wrote = raw(src, start, end, no, out);
    if (wrote !== DECLINED && tallyRaw) {
      audit();
      e['none'] = (e['none'] ?? 0) + 1;
      f['fscsm'] = (f['fscsm'] ?? 0) + 1;
    }
    return wrote;
  };
}

/**
 * A batch whose FAILED entries written on the byte path become objects only when `records`
 * is read (by ingest, for notify): parsed back from their own JSON, so they are the objects
 * the general parser would have built, and a parse with no one to alert builds none
 * (CLI parse of the bench's 100 MB chunk at 30% FAILED: 4.8-6.3 s before, 2.1-2.9 s after).
 */
function lineBatch(json: Buffer, built: OutputRecord[], failedAt: number[]): OutputBatch {
  return failedAt.length === 0 ? { json, records: built } : new LazyBatch(json, built, failedAt);
}

/**
 * A class, not an object literal with a getter and a closure: with the literal, the batches'
 * output buffers were freed only by full GCs (7 Mark-Compacts "GC in old space requested"
 * against none, node --trace-gc), so each batch wrote into fresh pages: the 100 MB chunk's CLI
 * parse at 2% FAILED took 1.8-2.4 s and 141 MB RSS against 1.4-1.5 s and 86 MB now.
 */
class LazyBatch implements OutputBatch {
  private built: OutputRecord[] | undefined;
  constructor(
    readonly json: Buffer,
    /** The records the general parser built (errors, lines off the byte path). */
    private readonly general: OutputRecord[],
    private readonly failedAt: number[],
  ) {}

  get records(): OutputRecord[] {
    if (this.built === undefined) {
      const json = this.json;
      // The byte path writes printable ASCII only: latin1 is its UTF-8.
      const parsed = this.failedAt.map((at) => JSON.parse(json.toString('latin1', at, json.indexOf(0x0a, at))) as OutputRecord);
      this.built = mergeByLine(this.general, parsed);
    }
    return this.built;
  }
}

/** Two lists of records, each in line order, as one in line order. */
function mergeByLine(a: OutputRecord[], b: OutputRecord[]): OutputRecord[] {
  if (a.length === 0) return b;
  const out: OutputRecord[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push((a[i] as OutputRecord).line <= (b[j] as OutputRecord).line ? (a[i++] as OutputRecord) : (b[j++] as OutputRecord));
  while (i < a.length) out.push(a[i++] as OutputRecord);
  while (j < b.length) out.push(b[j++] as OutputRecord);
  return out;
}

/** Drops the first `n` bytes of a stream (resuming a gzip chunk means inflating it again). */
async function* skipBytes(chunks: AsyncIterable<Buffer>, n: number): AsyncGenerator<Buffer> {
  let left = n;
  for await (const chunk of chunks) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}

/** One JSON value (or what the splitter found instead) to one record; `read` classifies values (shipper stage). */
function valueToRecord(item: JsonValueItem, maxBytes: number, read?: (no: number, value: unknown, raw: string) => LineOutcome): LineOutcome {
  switch (item.kind) {
    case 'value': {
      if (item.invalidUtf8) return invalidUtf8(item.line, 'event is not valid UTF-8', item.text, item.invalidUtf8);
      let value: unknown;
      try {
        value = JSON.parse(item.text);
      } catch (err) {
        return cadfError(item.line, `invalid JSON: ${(err as Error).message}`, item.text);
      }
      return read ? read(item.line, value, item.text) : cadfRecord(item.line, value, item.text);
    }
    case 'oversized':
      return {
        line: item.line,
        kind: 'error',
        reason:
          `event is ${item.complete ? '' : 'at least '}${item.bytes} bytes, longer than the limit of ${maxBytes} (MAX_LINE_BYTES)` +
          (item.complete ? '' : '; the input ended inside it'),
        raw: item.head,
        rawTruncated: true,
      };
    case 'incomplete': {
      const reason = 'the input ended inside this JSON value';
      return item.invalidUtf8 ? invalidUtf8(item.line, reason, item.text, item.invalidUtf8) : cadfError(item.line, reason, item.text);
    }
    case 'unclosed-array':
      return {
        line: item.line,
        kind: 'error',
        reason: `the input ended inside the top-level array opened on line ${item.openedAt} (no closing "]")`,
        raw: '',
      };
  }
}

function invalidUtf8(line: number, reason: string, text: string, bytes: Buffer, cap = RAW_CAP_BYTES): Draft<ErrorRecord> {
  const rec: Draft<ErrorRecord> = { line, kind: 'error', reason, raw: capRaw(text, cap), rawBase64: bytes.subarray(0, cap).toString('base64') };
  if (bytes.length > cap) rec.rawTruncated = true;
  return rec;
}

/** One line to one record; undefined for a blank line (counted, not emitted). */
function toRecord(line: Line, parser: LineReader, maxLineBytes: number, rawCap: number | undefined): LineOutcome {
  if (line.oversizedBytes !== undefined) {
    return {
      line: line.no,
      kind: 'error',
      reason: `line is ${line.oversizedBytes} bytes, longer than the limit of ${maxLineBytes} (MAX_LINE_BYTES)`,
      raw: line.text,
      rawTruncated: true,
    } satisfies Draft<ErrorRecord>;
  }
  // FSCSM lines are already bounded by maxLineBytes: no further cap on their evidence.
  if (line.invalidUtf8) return invalidUtf8(line.no, 'line is not valid UTF-8', line.text, line.invalidUtf8, rawCap ?? Infinity);
  if (isBlank(line.text)) return 'blank';
  return parser(line.no, line.text);
}

const WHITE_SPACE_START = /^\s/;

function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  // Only a line that starts with white space can be blank: skip trim() on the common path.
  // (Any white space trim() removes, e.g. U+3000 or VT, not only a few ASCII ones.)
  return WHITE_SPACE_START.test(text) && text.trim() === '';
}

/** The JSON Lines of each batch, for a store to upload. */
export async function* jsonOf(batches: AsyncIterable<OutputBatch>): AsyncGenerator<Buffer> {
  for await (const batch of batches) yield batch.json;
}

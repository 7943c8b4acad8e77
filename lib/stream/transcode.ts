// Between inflate and the splitters (object bytes -> plain bytes -> UTF-8 bytes): audit logs
// from some systems are written in a legacy encoding (Shift_JIS, EUC-JP, GB18030, a Windows
// code page, UTF-16). SOURCE_ENCODING names it; the bytes are decoded as a stream and passed
// on as UTF-8, so everything after this stage (format detection, line splitting, parsers,
// MAX_LINE_BYTES, resume offsets) sees UTF-8 whatever the source was. For UTF-8 (the
// default) this stage is not in the pipeline at all.
//
// - A character split across input chunks is completed from the next chunk (TextDecoder
//   `stream: true`), so the output does not depend on where the store cut the stream.
// - A byte sequence that is not valid in the source encoding becomes U+FFFD, as the WHATWG
//   Encoding Standard says; the line keeps its number and is parsed with the replacement in it.
// - Lines are split after this stage, on decoded characters: line numbers are those of the
//   source, also for UTF-16, where a 0x0A byte can be half of another character.
// - Memory: one input chunk's text at a time (a character spans at most 4 bytes of state).

import type { Decoded } from './inflate';

const UTF8 = 'utf-8';

/**
 * The canonical name of an encoding label (`sjis` -> `shift_jis`, `latin1` -> `windows-1252`),
 * or undefined when this Node build cannot decode it. Node needs full ICU for the legacy
 * encodings (official builds and the Lambda runtimes have it).
 */
export function canonicalEncoding(label: string): string | undefined {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return undefined;
  }
}

export function isUtf8Encoding(label: string): boolean {
  return canonicalEncoding(label) === UTF8;
}

/** Decodes a byte stream in `encoding` and re-encodes it as UTF-8, chunk by chunk. */
export async function* transcode(chunks: AsyncIterable<Uint8Array>, encoding: string): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding); // not fatal: invalid sequences become U+FFFD
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield Buffer.from(text, 'utf8');
  }
  // An incomplete character at the very end is one U+FFFD.
  const rest = decoder.decode();
  if (rest.length > 0) yield Buffer.from(rest, 'utf8');
}

/**
 * The decoded object as UTF-8: `decoded` itself for UTF-8 (no cost), else its bytes
 * transcoded, and its detection head too (up to its last complete character).
 */
export function toUtf8(decoded: Decoded, encoding: string = UTF8): Decoded {
  if (isUtf8Encoding(encoding)) return decoded;
  return {
    compression: decoded.compression,
    head: Buffer.from(new TextDecoder(encoding).decode(decoded.head, { stream: true }), 'utf8'),
    chunks: transcode(decoded.chunks, encoding),
  };
}

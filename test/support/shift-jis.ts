// A Shift_JIS encoder for tests. Node decodes Shift_JIS (TextDecoder, full ICU) but has no
// encoder, so the table is the decoder's own mapping read backwards: every one-byte
// (half-width katakana) and two-byte code Shift_JIS defines, decoded once. Round trips are checked where this is used.

let table: Map<string, number[]> | undefined;

function reverseTable(): Map<string, number[]> {
  if (table) return table;
  const decoder = new TextDecoder('shift_jis');
  table = new Map();
  // One byte: half-width katakana.
  for (const b of range(0xa1, 0xdf)) table.set(decoder.decode(Uint8Array.of(b)), [b]);
  const leads = [...range(0x81, 0x9f), ...range(0xe0, 0xfc)];
  const trails = [...range(0x40, 0x7e), ...range(0x80, 0xfc)];
  for (const lead of leads) {
    for (const trail of trails) {
      const ch = decoder.decode(Uint8Array.of(lead, trail));
      // Keep the first (canonical) code of a character: NEC and IBM extensions repeat some.
      if (ch.length === 1 && ch !== '\uFFFD' && !table.has(ch)) table.set(ch, [lead, trail]);
    }
  }
  return table;
}

function* range(from: number, to: number): Generator<number> {
  for (let i = from; i <= to; i += 1) yield i;
}

/** Shift_JIS bytes of `text`: ASCII as is, other characters from the table; throws for one it lacks. */
export function encodeShiftJis(text: string): Buffer {
  const t = reverseTable();
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (code < 0x80) {
      out.push(code);
      continue;
    }
    const bytes = t.get(ch);
    if (!bytes) throw new Error(`no Shift_JIS code for U+${code.toString(16).toUpperCase()}`);
    out.push(...bytes);
  }
  return Buffer.from(out);
}

/** The non-ASCII characters Shift_JIS can encode (for generated text). */
export function shiftJisCharacters(): string[] {
  return [...reverseTable().keys()];
}

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chooseReader, detectCadfLayout, detectFormat } from '../../../lib/formats/detect';

const fixture = (path: string): Buffer => {
  const data = readFileSync(new URL(`../../fixtures/${path}`, import.meta.url));
  return path.endsWith('.gz') ? gunzipSync(data) : data;
};
/** What detection sees: the first decoded bytes (the pipeline reads 64 KiB ahead). */
const head = (data: Buffer, bytes = 64 * 1024): Buffer => data.subarray(0, bytes);

const CADF_FIXTURES = [
  ['cadf/keystone-authenticate-failure.json', 'json-documents'],
  ['cadf/concatenated-documents.json', 'json-documents'],
  ['cadf/keystone-events-array.json', 'json-array'],
  ['cadf/keystonemiddleware-nova.jsonl', 'json-lines'],
  ['cadf/oslo-messaging-v2.jsonl', 'json-lines'],
  ['cadf/bad-events.jsonl', 'json-lines'],
  ['cadf/fluentd-keystone.log', 'fluentd'],
] as const;

describe('detectFormat', () => {
  it.each(['fscsm/sample-tab.log', 'fscsm/seed-sample.log', 'fscsm/crlf-bom.log', 'fscsm/irregular.log', 'fscsm/sample-tab.log.1.gz'])(
    'detects FSCSM in %s',
    (path) => {
      expect(detectFormat(head(fixture(path)))).toBe('fscsm');
    },
  );

  it.each(CADF_FIXTURES)('detects CADF in %s', (path) => {
    expect(detectFormat(head(fixture(path)))).toBe('cadf');
  });

  it('detects CADF from a short head too (4 KiB, the first event cut in the middle)', () => {
    for (const [path] of CADF_FIXTURES) expect([path, detectFormat(head(fixture(path), 4096))]).toEqual([path, 'cadf']);
  });

  it('detects CADF after a BOM and blank lines', () => {
    const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('\n  \n'), fixture('cadf/keystone-events-array.json')]);
    expect(detectFormat(head(text))).toBe('cadf');
  });

  it('does not take JSON without CADF markers, nor text, for CADF', () => {
    expect(detectFormat(Buffer.from('{"level":"info","msg":"started"}\n'))).toBeUndefined();
    expect(detectFormat(Buffer.from('[1, 2, 3]'))).toBeUndefined();
    expect(detectFormat(Buffer.from('eventTime is mentioned in plain text\n'))).toBeUndefined();
    expect(detectFormat(Buffer.from(''))).toBeUndefined();
    expect(detectFormat(Buffer.from('\n \n'))).toBeUndefined();
  });

  it('detects CADF inside an oslo.message string, where the markers are escaped', () => {
    const inner = JSON.stringify({ payload: { typeURI: 'http://schemas.dmtf.org/cloud/audit/1.0/event' } }).replaceAll('/', '\\/');
    expect(detectFormat(Buffer.from(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': inner })))).toBe('cadf');
  });
});

describe('detectCadfLayout', () => {
  it.each(CADF_FIXTURES)('reads %s as %s', (path, layout) => {
    expect(detectCadfLayout(head(fixture(path)))).toBe(layout);
  });

  it('takes a { whose first line is not a whole JSON value for documents, a whole one for JSON Lines', () => {
    expect(detectCadfLayout(Buffer.from('{\n  "a": 1\n}\n'))).toBe('json-documents');
    expect(detectCadfLayout(Buffer.from('{"a": 1}{"b": 2}\n'))).toBe('json-documents');
    expect(detectCadfLayout(Buffer.from('{"a": 1}\r\n{"b": 2}\r\n'))).toBe('json-lines');
    expect(detectCadfLayout(Buffer.from('\n\n{"a": 1}\n'))).toBe('json-lines');
  });

  it('reads a first line longer than the head as documents (which also splits JSON Lines right)', () => {
    const line = JSON.stringify({ pad: 'x'.repeat(5000) });
    expect(detectCadfLayout(head(Buffer.from(`${line}\n${line}\n`), 4096))).toBe('json-documents');
  });

  it('sees an array behind a BOM and white space, and fluentd lines with epoch times', () => {
    expect(detectCadfLayout(Buffer.from('\uFEFF \n [ {"a":1} ]'))).toBe('json-array');
    expect(detectCadfLayout(Buffer.from('1478889073.22\topenstack.audit\t{"a":1}\n'))).toBe('fluentd');
  });

  it('reads anything else line by line, so each bad line is one error', () => {
    expect(detectCadfLayout(Buffer.from('2015/06/29 14:35:30.902\top\tcreate user:x\tSUCCESS\n'))).toBe('json-lines');
    expect(detectCadfLayout(Buffer.from(''))).toBe('json-lines');
  });
});

describe('chooseReader', () => {
  const cadf = head(fixture('cadf/keystonemiddleware-nova.jsonl'));

  it('reads a plain FSCSM log with the FSCSM parser, CADF arrays and documents by value, anything else through the shipper stage', () => {
    expect(chooseReader('auto', head(fixture('fscsm/sample-tab.log')))).toEqual({ format: 'fscsm', detected: true, reader: 'fscsm' });
    expect(chooseReader('auto', cadf)).toEqual({ format: 'cadf', detected: true, reader: 'shipped' });
    expect(chooseReader('auto', head(fixture('cadf/keystone-events-array.json')))).toMatchObject({ format: 'cadf', reader: 'values' });
    expect(chooseReader('auto', head(fixture('shippers/fluentbit-s3-fscsm.jsonl')))).toMatchObject({ reader: 'shipped' });
    expect(chooseReader('auto', head(fixture('shippers/keystone-main.log')))).toMatchObject({ reader: 'shipped' });
    expect(chooseReader('auto', Buffer.from('hello\n'))).toEqual({ format: 'fscsm', detected: false, reader: 'shipped' });
  });

  it('lets the configured format win', () => {
    expect(chooseReader('fscsm', cadf)).toEqual({ format: 'fscsm', detected: false, reader: 'fscsm' });
    expect(chooseReader('cadf', fixture('fscsm/sample-tab.log'))).toEqual({ format: 'cadf', detected: false, reader: 'cadf' });
  });
});

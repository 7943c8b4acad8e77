import { describe, expect, it } from 'vitest';
import { hasZstd } from '../support/zstd';
import { ConfigError, IngestConfigSchema, NotifyConfigSchema, ParseConfigSchema, loadConfig, outputOptionsFrom, parseOptionsFrom } from '../../lib/config';

describe('loadConfig', () => {
  it('applies defaults for an empty environment', () => {
    expect(loadConfig(ParseConfigSchema, {})).toEqual({
      SOURCE_TIMEZONE: 'UTC',
      INPUT_FORMAT: 'auto',
      MAX_LINE_BYTES: 1048576,
      MAX_DECOMPRESSED_BYTES: 8 * 1024 ** 3,
      SOURCE_ENCODING: 'utf-8',
      OUTPUT_COMPRESSION: 'none',
    });
  });

  it('accepts OUTPUT_COMPRESSION none, gzip or zstd and refuses anything else, naming the variable', () => {
    expect(outputOptionsFrom(loadConfig(ParseConfigSchema, { OUTPUT_COMPRESSION: 'gzip' }))).toEqual({ outputCompression: 'gzip' });
    expect(() => loadConfig(ParseConfigSchema, { OUTPUT_COMPRESSION: 'brotli' })).toThrow(/OUTPUT_COMPRESSION/);
  });

  it.runIf(hasZstd)('accepts OUTPUT_COMPRESSION=zstd on a Node that has zstd', () => {
    expect(outputOptionsFrom(loadConfig(ParseConfigSchema, { OUTPUT_COMPRESSION: 'zstd' }))).toEqual({ outputCompression: 'zstd' });
  });

  it('keeps SOURCE_ENCODING in its canonical name and hands it to the parser', () => {
    expect(loadConfig(ParseConfigSchema, { SOURCE_ENCODING: 'sjis' }).SOURCE_ENCODING).toBe('shift_jis');
    expect(loadConfig(ParseConfigSchema, { SOURCE_ENCODING: 'Shift_JIS' }).SOURCE_ENCODING).toBe('shift_jis');
    expect(loadConfig(ParseConfigSchema, { SOURCE_ENCODING: 'UTF8' }).SOURCE_ENCODING).toBe('utf-8');
    expect(loadConfig(ParseConfigSchema, { SOURCE_ENCODING: 'latin1' }).SOURCE_ENCODING).toBe('windows-1252');
    expect(parseOptionsFrom(loadConfig(ParseConfigSchema, { SOURCE_ENCODING: 'euc-jp' })).sourceEncoding).toBe('euc-jp');
  });

  it.each(['klingon', 'iso-2022-kr', 'x-user-defined'])('refuses SOURCE_ENCODING=%s, naming the variable', (label) => {
    // iso-2022-kr is a label of the "replacement" encoding, which would turn every byte into U+FFFD.
    expect(() => loadConfig(ParseConfigSchema, { SOURCE_ENCODING: label })).toThrow(
      /invalid configuration: SOURCE_ENCODING: must be a character encoding this Node can decode, such as utf-8, shift_jis/,
    );
  });

  it('treats empty strings (unset serverless params) as absent', () => {
    const c = loadConfig(IngestConfigSchema, { NOTIFY_FUNCTION_NAME: 'n', S3_ENDPOINT: '', LAMBDA_ENDPOINT: '', S3_FORCE_PATH_STYLE: '' });
    expect(c.S3_ENDPOINT).toBeUndefined();
    expect(c.S3_FORCE_PATH_STYLE).toBe(false);
    expect(c.EVENT_KEY_ENCODING).toBe('auto');
  });

  it('names every bad variable in one clear error', () => {
    const attempt = () =>
      loadConfig(IngestConfigSchema, { SOURCE_TIMEZONE: 'Mars/Olympus', MAX_LINE_BYTES: '-1', S3_ENDPOINT: 'not a url' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/SOURCE_TIMEZONE: must be an IANA time zone/);
    expect(attempt).toThrow(/MAX_LINE_BYTES/);
    expect(attempt).toThrow(/NOTIFY_FUNCTION_NAME/);
    expect(attempt).toThrow(/S3_ENDPOINT/);
  });

  it('refuses a notify payload limit above the async invoke limit', () => {
    expect(() => loadConfig(IngestConfigSchema, { NOTIFY_FUNCTION_NAME: 'n', NOTIFY_MAX_PAYLOAD_BYTES: '300000' })).toThrow(
      /256 KB/,
    );
  });
});

describe('the store secret key', () => {
  const base = { NOTIFY_FUNCTION_NAME: 'audit-log-ingest-dev-notify', S3_ACCESS_KEY_ID: 'AKID' };

  it.each([
    ['ingest', IngestConfigSchema],
    ['notify', NotifyConfigSchema],
  ])('is checked in the %s configuration too: one source, an SSM name, never half a key pair', (_name, schema) => {
    const load = (env: Record<string, string>) => loadConfig(schema as typeof IngestConfigSchema, env);
    expect(load({ ...base, S3_SECRET_ACCESS_KEY_PARAMETER: '/audit-log-ingest/dev/store/secret-access-key' }).S3_SECRET_ACCESS_KEY_PARAMETER).toBe(
      '/audit-log-ingest/dev/store/secret-access-key',
    );
    expect(load({ ...base, S3_SECRET_ACCESS_KEY: 'S3RVER' }).S3_SECRET_ACCESS_KEY).toBe('S3RVER');
    expect(() => load({ ...base, S3_SECRET_ACCESS_KEY: 'x', S3_SECRET_ACCESS_KEY_PARAMETER: '/p' })).toThrow(/not both/);
    expect(() => load({ ...base, S3_SECRET_ACCESS_KEY_PARAMETER: 'p' })).toThrow(/S3_SECRET_ACCESS_KEY_PARAMETER: must be an SSM parameter name/);
    expect(() => load(base)).toThrow(/S3_ACCESS_KEY_ID: is set without a secret key/);
    // serverless.yml passes unset params as '': that is no setting at all.
    expect(load({ ...base, S3_SECRET_ACCESS_KEY: '', S3_SECRET_ACCESS_KEY_PARAMETER: '/p' }).S3_SECRET_ACCESS_KEY).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, IngestConfigSchema, ParseConfigSchema, loadConfig } from '../../lib/config';

describe('loadConfig', () => {
  it('applies defaults for an empty environment', () => {
    expect(loadConfig(ParseConfigSchema, {})).toEqual({
      SOURCE_TIMEZONE: 'UTC',
      INPUT_FORMAT: 'auto',
      MAX_LINE_BYTES: 1048576,
      MAX_DECOMPRESSED_BYTES: 8 * 1024 ** 3,
    });
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

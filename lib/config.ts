// Configuration from the environment, validated once at start with messages that name
// the variable, so a misconfigured deployment fails on its first event with a clear log.

import { z } from 'zod';
import { FORMATS } from './records';
import { assertTimeZone } from './timezone';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalUrl = z.url().optional();
const bool = z
  .enum(['true', 'false', '1', '0'])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

export const ParseConfigSchema = z.object({
  SOURCE_TIMEZONE: z
    .string()
    .default('UTC')
    .refine(
      (tz) => {
        try {
          assertTimeZone(tz);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'must be an IANA time zone name such as UTC or Asia/Tokyo' },
    ),
  INPUT_FORMAT: z.enum(['auto', ...FORMATS]).default('auto'),
  MAX_LINE_BYTES: positiveInt(1024 * 1024),
  MAX_DECOMPRESSED_BYTES: positiveInt(8 * 1024 ** 3),
});

export const IngestConfigSchema = ParseConfigSchema.extend({
  NOTIFY_FUNCTION_NAME: z.string({ error: 'must name the notify function' }).min(1, 'must name the notify function'),
  EVENT_KEY_ENCODING: z.enum(['auto', 'url', 'raw']).default('auto'),
  NOTIFY_MAX_PAYLOAD_BYTES: positiveInt(240_000).refine((n) => n <= 256 * 1024, {
    message: 'must stay under the 256 KB async invoke limit',
  }),
  S3_ENDPOINT: optionalUrl,
  S3_FORCE_PATH_STYLE: bool,
  /** Static keys for S3-compatible stores (Ceph, Swift s3api, EC2 credentials); AWS uses its role. */
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  LAMBDA_ENDPOINT: optionalUrl,
});

/** Empty strings (unset serverless params) count as absent. */
function withoutEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
}

export type ParseConfig = z.infer<typeof ParseConfigSchema>;
export type IngestConfig = z.infer<typeof IngestConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses `env` with `schema`; throws ConfigError listing every bad variable. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(withoutEmpty(env));
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

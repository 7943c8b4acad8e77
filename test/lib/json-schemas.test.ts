import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from '../../lib/json-schemas';

describe('published JSON Schemas', () => {
  it.each(Object.entries(jsonSchemas()))('schemas/%s matches the zod schema (run `npm run schemas` after a change)', (file, schema) => {
    expect(JSON.parse(readFileSync(`schemas/${file}`, 'utf8'))).toEqual(schema);
  });

  it('describes both record kinds', () => {
    const record = jsonSchemas()['record.schema.json'] as { oneOf?: { properties: { kind: { const: string } } }[] };
    expect(record.oneOf?.map((s) => s.properties.kind.const)).toEqual(['entry', 'error']);
  });
});

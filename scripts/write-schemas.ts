// npm run schemas: regenerates schemas/*.schema.json from the zod schemas in lib/.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemas } from '../lib/json-schemas';
import { ROOT } from './local-stack';

for (const [file, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(join(ROOT, 'schemas', file), JSON.stringify(schema, null, 2) + '\n');
  console.log(`wrote schemas/${file}`);
}

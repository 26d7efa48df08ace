import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSchema, printSchemaFile } from '../src/schema';

/** `npm run schema:write`: regenerates the committed schema.graphql from the code. */
createSchema()
  .then((schema) => {
    const file = resolve(__dirname, '..', '..', 'schema.graphql');
    writeFileSync(file, printSchemaFile(schema));
    console.log(`wrote ${file}`);
  })
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });

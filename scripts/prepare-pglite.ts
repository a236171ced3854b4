// Run by `npm install`: builds the migrated PGlite template so the first `npm start` is quick.
import { migratedTemplate, templatePath } from '../src/drivers/db/pglite-template.ts';

const started = Date.now();
await migratedTemplate();
console.log(`PGlite template ready (${templatePath()}, ${Date.now() - started} ms)`);

import { fileURLToPath } from 'node:url';
import { resolve, dirname } from 'node:path';

export const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../../drizzle');

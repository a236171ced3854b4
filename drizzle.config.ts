import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/modules/*/schema.ts', './src/drivers/*/schema.ts', './src/http/*-schema.ts'],
  out: './drizzle',
});

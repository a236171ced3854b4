import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const webRoot = import.meta.dirname;
const backend = 'http://localhost:3000';

export default defineConfig({
  root: webRoot,
  plugins: [react()],
  build: {
    outDir: resolve(webRoot, '../dist/web'),
    emptyOutDir: true,
    sourcemap: true,
    // hls.js alone is ~500 kB; splitting it keeps the first paint of non-player pages light.
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      output: {
        manualChunks: {
          hls: ['hls.js'],
          tus: ['tus-js-client'],
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': backend,
      '/media': backend,
      '/healthz': backend,
    },
  },
});

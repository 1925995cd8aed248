// The admin console's build: `npm run build:console` (also run by `npm install` and, when the sources are
// newer than the build, by `npm start`) writes console/dist, which the control plane serves at `/`.
// `npm run console:dev` serves it with hot reload and forwards the API paths to a control plane on :4000.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const controlPlane = process.env.CONTROL_PLANE_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/trpc': controlPlane, '/auth': controlPlane, '/graphql': controlPlane } },
});

// Build of the web UI: web/dist is served by `anjian serve` (server.web_dir).
// `npm run dev` proxies /api to a running server (ANJIAN_URL, default http://127.0.0.1:8080).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks: {
          vue: ['vue', 'vue-router', 'vue-i18n'],
          'element-plus': ['element-plus', '@element-plus/icons-vue'],
          leaflet: ['leaflet'],
        },
      },
    },
  },
  server: {
    proxy: { '/api': process.env.ANJIAN_URL || 'http://127.0.0.1:8080' },
  },
})

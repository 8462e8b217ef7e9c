import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // SPA: everything renders in the web view; index.html is the fallback page.
    adapter: adapter({ fallback: 'index.html' }),
    // No inline <script> nonce games: the CSP in tauri.conf.json forbids inline scripts, and
    // Tauri hashes the one boot script of index.html.
  },
};

export default config;

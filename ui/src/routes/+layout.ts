// Tauri has no Node server: render everything client-side (SPA); adapter-static writes
// build/index.html as the fallback page.
export const ssr = false;

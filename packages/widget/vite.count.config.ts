import { defineConfig } from 'vite';

/**
 * count.js: the comment counts of a list page, a classic script of its own
 * (src/count/count.ts), built beside the widget without touching its output.
 */
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    copyPublicDir: false,
    modulePreload: false,
    rollupOptions: {
      input: 'src/count/count.ts',
      // An IIFE with no exports: nothing of it lands in the page's globals.
      output: { format: 'iife', entryFileNames: 'count.js', minify: true, comments: false },
    },
  },
});

import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';

/**
 * embed.js: the classic script sites paste. It stays tiny and is cached
 * briefly; it loads the content-hashed module build (cached for good) with a
 * dynamic import, relative to its own URL. The server fills in the gateway's URL.
 * Without a project id the page renders threads itself (ThreadKit.render, the React component).
 */
function embedLoader(): Plugin {
  return {
    name: 'threadkit-embed-loader',
    generateBundle(_options, bundle) {
      const entry = Object.values(bundle).find((file) => file.type === 'chunk' && file.isEntry);
      if (!entry) this.error('no entry chunk');
      // Not minified by the build, and loaded on every page view: written plainly, sent without its line breaks.
      const source = `(function () {
        var script = document.currentScript;
        if (!script || !script.src) return;
        var data = script.dataset;
        var urls = { apiUrl: data.apiUrl || new URL(script.src).origin, wsUrl: data.wsUrl || "__THREADKIT_WS_URL__" };
        import(new URL(${JSON.stringify(entry.fileName)}, script.src).href).then(function (widget) {
          window.ThreadKit = {
            render: function (element, options) { return widget.render(element, Object.assign({}, urls, options)); }
          };
          dispatchEvent(new Event("threadkit:ready"));
          if (!data.projectId) return;
          var start = function () { widget.mount(data, urls); };
          if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
          else start();
        });
      })();`.replace(/\n\s*/g, '');
      this.emitFile({ type: 'asset', fileName: 'embed.js', source });
    },
  };
}

export default defineConfig({
  plugins: [preact(), embedLoader()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Browsers from 2021 on (Chrome/Edge 94, Firefox 93, Safari 15): class fields as written, no helpers.
    target: 'es2022',
    manifest: true,
    modulePreload: false,
    // Library mode: Vite adds no module-preload helper around dynamic imports.
    lib: { entry: 'src/main.tsx', formats: ['es'] },
    rollupOptions: {
      // Keeps render/mount, and lets the entry also export what the lazy language chunks
      // share with it (the Intl helpers) instead of splitting that into a chunk of its own.
      preserveEntrySignatures: 'allow-extension',
      output: {
        format: 'es',
        // Library mode leaves ES output unminified for bundlers; this build goes straight to browsers.
        minify: true,
        comments: false,
        entryFileNames: 'widget/threadkit-[hash].js',
        // A feature's words are named after it (`signin-fr-….js`), the widget's own after the language.
        chunkFileNames: (chunk) => {
          const words = /features\/([\w-]+)\/i18n\/([\w-]+)\.ts$/.exec(chunk.facadeModuleId ?? '');
          return words ? `widget/${words[1]}-${words[2]}-[hash].js` : 'widget/[name]-[hash].js';
        },
        assetFileNames: 'widget/[name]-[hash][extname]',
      },
    },
  },
});

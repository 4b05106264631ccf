import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';

/**
 * embed.js: the classic script sites paste. It stays tiny and is cached
 * briefly; it loads the content-hashed module build (cached for good) with a
 * dynamic import, relative to its own URL. The server fills in the gateway's URL.
 */
function embedLoader(): Plugin {
  return {
    name: 'threadkit-embed-loader',
    generateBundle(_options, bundle) {
      const entry = Object.values(bundle).find((file) => file.type === 'chunk' && file.isEntry);
      if (!entry) this.error('no entry chunk');
      const source = `(function () {
  var script = document.currentScript;
  if (!script || !script.src) return;
  var apiUrl = script.dataset.apiUrl || new URL(script.src).origin;
  var wsUrl = script.dataset.wsUrl || "__THREADKIT_WS_URL__";
  import(new URL(${JSON.stringify(entry.fileName)}, script.src).href).then(function (widget) {
    window.ThreadKit = {
      render: function (element, options) {
        return widget.render(element, Object.assign({ apiUrl: apiUrl, wsUrl: wsUrl }, options));
      }
    };
    window.dispatchEvent(new Event('threadkit:ready'));
    // Without a project id the page renders threads itself (ThreadKit.render, the React component).
    if (!script.dataset.projectId) return;
    var start = function () { widget.mount(script.dataset, { apiUrl: apiUrl, wsUrl: wsUrl }); };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  });
})();
`;
      this.emitFile({ type: 'asset', fileName: 'embed.js', source });
    },
  };
}

/**
 * Vite wraps every dynamic import in its preload helper (about 0.7 KB gzipped in
 * the first load, even with `modulePreload: false`), which on failure also fires
 * `vite:preloadError` on the host page's window, where a site built with Vite may
 * reload itself. The widget's lazy chunks (the languages) have no CSS or other
 * dependencies to preload, so plain `import()` is all they need; the unused
 * helper is then minified away. Runs before Vite fills in `__VITE_PRELOAD__`.
 */
function plainDynamicImports(): Plugin {
  return {
    name: 'threadkit-plain-dynamic-imports',
    renderChunk: {
      order: 'post',
      handler(code) {
        if (!code.includes('__vitePreload(')) return null;
        const plain = code.replace(/__vitePreload\(\(\) => (.*?), __VITE_PRELOAD__\)/g, '($1)');
        if (plain.includes('__vitePreload(')) this.warn('a dynamic import kept its preload wrapper');
        return { code: plain, map: null };
      },
    },
  };
}

export default defineConfig({
  plugins: [preact(), embedLoader(), plainDynamicImports()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    manifest: true,
    modulePreload: false,
    rollupOptions: {
      input: 'src/main.tsx',
      // Keeps render/mount, and lets the entry also export what the lazy language chunks
      // share with it (the Intl helpers) instead of splitting that into a chunk of its own.
      preserveEntrySignatures: 'allow-extension',
      output: {
        format: 'es',
        entryFileNames: 'widget/threadkit-[hash].js',
        chunkFileNames: 'widget/[name]-[hash].js',
        assetFileNames: 'widget/[name]-[hash][extname]',
      },
    },
  },
});

/**
 * The pages' static files, all served by this server (no CDN): our stylesheet and script,
 * and two vendored browser builds from node_modules (htmx for progressive enhancement,
 * Mermaid's dependency-free build for the state diagram). Read once at start-up; each URL
 * carries the file's content hash (`?v=`), so browsers may keep it for a year and a new
 * release is fetched at once.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

const require = createRequire(import.meta.url);
const own = (name: string) => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));

const SOURCES: Record<string, { path: () => string; type: string }> = {
  'app.css': { path: () => own('app.css'), type: 'text/css; charset=utf-8' },
  'app.js': { path: () => own('app.js'), type: 'text/javascript; charset=utf-8' },
  'htmx.min.js': { path: () => require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript; charset=utf-8' },
  'mermaid.tiny.js': { path: () => require.resolve('@mermaid-js/tiny'), type: 'text/javascript; charset=utf-8' },
};

export type AssetName = keyof typeof SOURCES & string;

let loaded: Map<string, Asset> | undefined;

export function assets(): Map<string, Asset> {
  if (!loaded) {
    loaded = new Map();
    for (const [name, src] of Object.entries(SOURCES)) {
      const body = readFileSync(src.path());
      loaded.set(name, { body, type: src.type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) });
    }
  }
  return loaded;
}

/** The URL of an asset, with its content hash. */
export function assetUrl(name: 'app.css' | 'app.js' | 'htmx.min.js' | 'mermaid.tiny.js'): string {
  return `/ui/assets/${name}?v=${assets().get(name)!.hash}`;
}

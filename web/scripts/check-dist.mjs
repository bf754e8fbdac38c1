// Checks the built app against the server's Content-Security-Policy and the "nothing fetched
// from outside" rule: index.html loads scripts only by src (no inline script or style), and no
// built file names an external URL other than XML namespace identifiers and React's error text.
// Run by `npm run build` after `vite build`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

// Not fetched by anything: XML namespace names, and the address React prints in its
// production error messages.
const ALLOWED_URL_PREFIXES = [
  'http://www.w3.org/2000/svg',
  'http://www.w3.org/1999/xhtml',
  'http://www.w3.org/1999/xlink',
  'http://www.w3.org/XML/1998/namespace',
  'http://www.w3.org/1998/Math/MathML',
  'https://reactjs.org/docs/error-decoder.html',
  'https://react.dev/errors/',
];

function* files(directory) {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

const problems = [];

for (const path of files(dist)) {
  if (!/\.(html|js|css|svg|json|txt)$/.test(path)) continue;
  const text = readFileSync(path, 'utf8');
  for (const match of text.matchAll(/https?:\/\/[^\s"'`)<>]+/g)) {
    if (!ALLOWED_URL_PREFIXES.some((prefix) => match[0].startsWith(prefix))) {
      problems.push(`${relative(dist, path)}: external URL ${match[0]}`);
    }
  }
}

const index = readFileSync(join(dist, 'index.html'), 'utf8');
for (const match of index.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
  if (!/\bsrc=/.test(match[1]) || match[2].trim() !== '')
    problems.push(`index.html: inline script ${match[0].slice(0, 80)}`);
}
if (/<style\b/.test(index)) problems.push('index.html: inline <style>');
if (/\sstyle=/.test(index)) problems.push('index.html: style attribute');
if (/\son[a-z]+=/.test(index)) problems.push('index.html: inline event handler');

if (problems.length > 0) {
  console.error(`dist/ breaks the CSP or names external URLs:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('dist/: no inline script or style, no external URL');

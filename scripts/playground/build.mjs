// Bundles the playground (main.jsx) with esbuild and writes, into the directory given as
// the only argument: graphiql.js, graphiql.css, LICENSES.txt and VERSIONS.txt.
// Run by scripts/build-playground from a directory where `npm ci` has installed
// package-lock.json; see that script.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node build.mjs OUTDIR');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });

const result = await esbuild.build({
  entryPoints: { graphiql: 'main.jsx' },
  outdir: outDir,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Fonts and images are inlined, so the two files are all the page loads.
  loader: {
    '.woff': 'dataurl',
    '.woff2': 'dataurl',
    '.ttf': 'dataurl',
    '.svg': 'dataurl',
    '.png': 'dataurl',
  },
  // The licences go to LICENSES.txt, complete, instead of comments in the bundle.
  legalComments: 'none',
  sourcemap: false,
  charset: 'utf8',
  metafile: true,
  logLevel: 'warning',
});
if (result.errors.length) process.exit(1);

// Packages whose code or styles are in the output (tree-shaken-away files do not count).
const packages = new Map(); // package directory -> {name, version, license}
for (const output of Object.values(result.metafile.outputs)) {
  for (const [input, info] of Object.entries(output.inputs)) {
    if (info.bytesInOutput === 0) continue;
    const dir = packageDir(input);
    if (!dir || packages.has(dir)) continue;
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    packages.set(dir, { name: pkg.name, version: pkg.version, license: licenseField(pkg) });
  }
}

// The package directory of a node_modules path: the part up to the last
// node_modules/NAME or node_modules/@SCOPE/NAME.
function packageDir(file) {
  const parts = file.split('/');
  const i = parts.lastIndexOf('node_modules');
  if (i < 0) return null;
  const n = parts[i + 1] && parts[i + 1].startsWith('@') ? 3 : 2;
  return parts.slice(0, i + n).join('/');
}

function licenseField(pkg) {
  if (typeof pkg.license === 'string') return pkg.license;
  if (pkg.license && pkg.license.type) return pkg.license.type;
  if (Array.isArray(pkg.licenses)) return pkg.licenses.map((l) => l.type || l).join(' OR ');
  return 'UNKNOWN';
}

const byName = [...packages.entries()].sort(([, a], [, b]) =>
  a.name === b.name ? cmp(a.version, b.version) : cmp(a.name, b.name),
);
function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Packages that ship no licence file: where their licence text comes from. Checked
// against package.json's licence field, so an upgrade that changes it stops the build.
const NO_LICENSE_FILE = {
  '@graphiql/plugin-doc-explorer': {
    license: 'MIT',
    sameAs: 'graphiql',
    note: "no licence file in the npm package; it is part of the graphql/graphiql repository, whose LICENSE (as shipped in graphiql) follows",
  },
  '@graphiql/plugin-explorer': {
    license: 'MIT',
    sameAs: 'graphiql',
    note: "no licence file in the npm package; it is part of the graphql/graphiql repository, whose LICENSE (as shipped in graphiql) follows",
  },
  '@graphiql/plugin-history': {
    license: 'MIT',
    sameAs: 'graphiql',
    note: "no licence file in the npm package; it is part of the graphql/graphiql repository, whose LICENSE (as shipped in graphiql) follows",
  },
  'react-compiler-runtime': {
    license: 'MIT',
    sameAs: 'react',
    note: "no licence file in the npm package; it is part of the facebook/react repository, whose LICENSE (as shipped in react) follows",
  },
  'react-remove-scroll-bar': {
    license: 'MIT',
    copyright: 'Copyright (c) 2025 Anton Korzunov <thekashey@gmail.com>',
    note: "no licence file in the npm package; package.json says MIT; the copyright line is that of the LICENSE in its repository, theKashey/react-remove-scroll-bar",
  },
  'toggle-selection': {
    license: 'MIT',
    copyright: 'Copyright (c) sudodoki <smd.deluzion@gmail.com>',
    note: "no licence file in the npm package nor its repository; package.json says MIT, with this author",
  },
};

const MIT_LICENSE = `MIT License

{{COPYRIGHT}}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;

const rule = '='.repeat(78);
let licenses =
  'Third-party software in graphiql.js and graphiql.css (coopgraph GraphQL playground)\n' +
  'Each package below is included, in whole or in part, in the bundle; its licence follows.\n' +
  'Generated by scripts/build-playground: do not edit.\n\n';
const missing = [];
for (const [dir, p] of byName) {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^(licen[cs]e|copying|notice)([.-].*)?$/i.test(f))
    .sort();
  licenses += `${rule}\n${p.name}@${p.version} (${p.license})\n${rule}\n\n`;
  if (files.length === 0) {
    const extra = NO_LICENSE_FILE[p.name];
    if (!extra || extra.license !== p.license) {
      missing.push(`${p.name}@${p.version} (${p.license})`);
      continue;
    }
    licenses += `[${extra.note}]\n\n`;
    const text = extra.sameAs
      ? fs.readFileSync(path.join('node_modules', extra.sameAs, 'LICENSE'), 'utf8')
      : MIT_LICENSE.replace('{{COPYRIGHT}}', extra.copyright);
    licenses += `${text.replace(/\r\n?/g, '\n').trimEnd()}\n\n`;
    continue;
  }
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8').replace(/\r\n?/g, '\n').trimEnd();
    licenses += `${text}\n\n`;
  }
}
if (missing.length) {
  console.error(`build.mjs: no licence file in: ${missing.join(', ')}`);
  process.exit(1);
}
fs.writeFileSync(path.join(outDir, 'LICENSES.txt'), licenses.trimEnd() + '\n');

const esbuildVersion = JSON.parse(fs.readFileSync('node_modules/esbuild/package.json', 'utf8')).version;
let versions =
  'Versions in graphiql.js and graphiql.css (coopgraph GraphQL playground)\n' +
  'Pinned by scripts/playground/package-lock.json; generated by scripts/build-playground.\n\n' +
  `bundler: esbuild@${esbuildVersion}\n\n`;
for (const [, p] of byName) versions += `${p.name}@${p.version} ${p.license}\n`;
fs.writeFileSync(path.join(outDir, 'VERSIONS.txt'), versions);

for (const f of ['graphiql.js', 'graphiql.css', 'LICENSES.txt', 'VERSIONS.txt']) {
  console.log(`${f}\t${fs.statSync(path.join(outDir, f)).size} bytes`);
}
console.log(`${byName.length} packages bundled`);

// Outpost's module rules: which layer may import which (an allowlist), and no import cycles.
// This table is the source of truth for docs/architecture.md ("Module rules").
//
// Every relative import (`import`, `import type`, `export ... from`, `import()`, `import('x').T`,
// `require()`) is resolved to a file, the file is mapped to its layer by path prefix, and the
// import is allowed only when the target layer is the importer's own layer or on its list.
// Package imports (`electron`, `node:fs`, `react`) are checked by no-restricted-imports in
// eslint.config.js; this file covers the project's own folders.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Layers by path prefix (relative to the repository root). The longest matching prefix wins. */
export const LAYERS = {
  shared: ['src/shared/'],
  'main/db': ['src/main/db/'],
  'main/services': ['src/main/services/'],
  'main/sync': ['src/main/sync/'],
  'main/api': ['src/main/api/'],
  'main/host': ['src/main/host/'],
  'main/electron': ['src/main/electron/'],
  // The composition root: opens the store, wires services, sync and the handler table.
  'main/runtime': ['src/main/runtime.ts'],
  // Structured logging, used by every layer of main that runs code (not by pure services).
  'main/log': ['src/main/log.ts'],
  preload: ['src/preload/'],
  renderer: ['src/renderer/'],
  server: ['src/server/'],
  // Test support: a throwaway device store and people (main), a throwaway server (server), and
  // devices synced with a server (system: the one place product-side code meets the server).
  'testing/main': ['src/main/testing/'],
  'testing/server': ['src/server/testing/'],
  'testing/system': ['src/testing/'],
  e2e: ['e2e/'],
  scripts: ['scripts/'],
  bench: ['bench/'],
};

const MAIN_BELOW_ELECTRON = ['main/db', 'main/services', 'main/sync', 'main/api', 'main/host', 'main/runtime', 'main/log'];
const TEST_SUPPORT = ['testing/main', 'testing/server', 'testing/system'];

/** What each layer may import besides itself. Anything else is an error. */
export const ALLOW = {
  shared: [],
  'main/db': ['shared'],
  'main/services': ['shared', 'main/db'],
  'main/sync': ['shared', 'main/db', 'main/services', 'main/log'],
  'main/api': ['shared', 'main/db', 'main/services', 'main/sync', 'main/log'],
  'main/runtime': ['shared', 'main/db', 'main/services', 'main/sync', 'main/api', 'main/log'],
  'main/host': ['shared', 'main/db', 'main/services', 'main/api', 'main/runtime', 'main/log'],
  'main/electron': ['shared', ...MAIN_BELOW_ELECTRON],
  'main/log': [],
  preload: ['shared'],
  renderer: ['shared'],
  server: ['shared'],
  'testing/main': ['shared', ...MAIN_BELOW_ELECTRON],
  'testing/server': ['shared', 'server'],
  'testing/system': ['shared', ...MAIN_BELOW_ELECTRON, 'server', 'testing/main', 'testing/server'],
  e2e: ['shared', ...TEST_SUPPORT],
  scripts: ['shared', ...MAIN_BELOW_ELECTRON, 'server', ...TEST_SUPPORT],
  bench: ['shared', ...MAIN_BELOW_ELECTRON, 'server', ...TEST_SUPPORT],
};

/**
 * Test files (`*.test.ts[x]`, `*.int.test.ts`) may import what their layer may, plus test support,
 * plus these extras: a service's test may drive a whole device (runtime, handler table, browser
 * host, sync apply) to check the service end to end; the sync client's tests run the server's
 * engine in-process; the Electron shell's tests check the build and launch scripts; the store's
 * tests check the change npm install makes to the store's SQLite (scripts/sqlite3mc-wal.mjs).
 */
export const TEST_EXTRA = {
  'main/services': ['main/sync', 'main/api', 'main/host', 'main/runtime', 'main/log'],
  'main/sync': ['main/api', 'main/runtime', 'server'],
  'main/electron': ['scripts'],
  'main/db': ['scripts'],
};

const TEST_FILE = /\.test\.[cm]?[jt]sx?$/;
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.d.ts', '.d.mts'];

function posix(p) {
  return p.split(path.sep).join('/');
}

function findRoot(start) {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return start;
    dir = up;
  }
}

const ROOT = findRoot(path.dirname(new URL(import.meta.url).pathname));

/** The layer of a file (absolute path), or null when it belongs to none. */
export function layerOf(file) {
  const rel = posix(path.relative(ROOT, file));
  let best = null;
  let bestLen = -1;
  for (const [layer, prefixes] of Object.entries(LAYERS)) {
    for (const prefix of prefixes) {
      if ((rel === prefix || rel.startsWith(prefix)) && prefix.length > bestLen) {
        best = layer;
        bestLen = prefix.length;
      }
    }
  }
  return best;
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Resolves a relative specifier from `fromFile` to a file, as the bundler and tsc would. */
export function resolveRelative(fromFile, spec) {
  const base = path.resolve(path.dirname(fromFile), spec);
  if (isFile(base)) return base;
  for (const ext of EXTENSIONS) if (isFile(base + ext)) return base + ext;
  // `./x.js` written for ESM output names `./x.ts` (and `.mjs` names `.mts`).
  const js = /\.([cm]?)js$/.exec(base);
  if (js)
    for (const ext of ['.ts', '.tsx', '.d.ts']) {
      const candidate = base.slice(0, -js[0].length) + (ext === '.tsx' ? '.tsx' : `.${js[1]}${ext.slice(1)}`);
      if (isFile(candidate)) return candidate;
    }
  for (const ext of EXTENSIONS) if (isFile(path.join(base, 'index' + ext))) return path.join(base, 'index' + ext);
  return null;
}

function isRelative(spec) {
  return spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../');
}

/** Calls `visit(node, specifier)` for every module reference in the file's AST. */
function moduleReferences(visit) {
  const literal = (node, source) => {
    if (source && source.type === 'Literal' && typeof source.value === 'string') visit(node, source.value);
  };
  return {
    ImportDeclaration: (node) => literal(node, node.source),
    ExportNamedDeclaration: (node) => literal(node, node.source),
    ExportAllDeclaration: (node) => literal(node, node.source),
    ImportExpression: (node) => literal(node, node.source),
    TSImportType(node) {
      const arg = node.argument;
      if (arg && arg.type === 'TSLiteralType') literal(node, arg.literal);
      else literal(node, arg);
    },
    TSExternalModuleReference: (node) => literal(node, node.expression),
    CallExpression(node) {
      if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length === 1)
        literal(node, node.arguments[0]);
    },
  };
}

const layers = {
  meta: {
    type: 'problem',
    docs: { description: "Each layer imports only the layers on its allowlist (Outpost's module rules)." },
    schema: [],
    messages: {
      notAllowed: "{{from}} must not import {{to}} ('{{spec}}'). {{from}} may import: {{allowed}}. See eslint/module-rules.js.",
      testFile: "Nothing imports a test file ('{{spec}}'); move what it shares to test support.",
    },
  },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    if (!from) return {};
    const isTest = TEST_FILE.test(file);
    const allowed = new Set([from, ...(ALLOW[from] ?? []), ...(isTest ? [...TEST_SUPPORT, ...(TEST_EXTRA[from] ?? [])] : [])]);
    return moduleReferences((node, spec) => {
      if (!isRelative(spec)) return;
      const target = resolveRelative(file, spec) ?? path.resolve(path.dirname(file), spec);
      if (TEST_FILE.test(target)) {
        context.report({ node, messageId: 'testFile', data: { spec } });
        return;
      }
      const to = layerOf(target);
      if (!to || allowed.has(to)) return;
      const list = [...allowed].filter((l) => l !== from);
      context.report({
        node,
        messageId: 'notAllowed',
        data: { from: isTest ? `${from} (test)` : from, to, spec, allowed: list.length ? list.join(', ') : 'nothing outside itself' },
      });
    });
  },
};

// ---------------------------------------------------------------------------------------------
// No import cycles. The import graph of src/ is built once per lint process (each file read with
// TypeScript's pre-processor, which sees `import type`, re-exports and `import()` but not
// comments or strings); the file being linted replaces its own edges from its live text, so an
// editor sees a cycle appear or go as it is typed. Each cycle is reported once, on the import
// that closes it: the chain starts at the cycle's first file (in path order) and the report sits
// in the file whose import leads back to it.

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

function listSources(dir, out = []) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') listSources(p, out);
    } else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function edgesOf(file, text) {
  const edges = new Map();
  for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
    if (!isRelative(ref.fileName)) continue;
    const target = resolveRelative(file, ref.fileName);
    if (target && !edges.has(target)) edges.set(target, ref.fileName);
  }
  return edges;
}

let graph = null; // Map<file, Map<target, specifier>>
let cycles = null; // Map<file where the cycle closes, { spec, chain }[]>

function buildGraph() {
  graph = new Map();
  for (const file of listSources(path.join(ROOT, 'src'))) graph.set(file, edgesOf(file, fs.readFileSync(file, 'utf8')));
  cycles = null;
}

/** Tarjan's strongly connected components; in each, the shortest cycle through its first file. */
function findCycles() {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  let next = 0;
  const strong = (root) => {
    // Iterative, so a long chain of imports cannot overflow the stack.
    const work = [[root, graph.get(root).keys()]];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const [v, it] = work[work.length - 1];
      const step = it.next();
      if (!step.done) {
        const w = step.value;
        if (!graph.has(w)) continue;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push([w, graph.get(w).keys()]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const comp = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1 || graph.get(v).has(v)) components.push(comp);
      }
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strong(v);

  const found = new Map();
  for (const comp of components) {
    const members = new Set(comp);
    const start = [...comp].sort()[0];
    // Breadth-first from `start` inside the component, back to `start`.
    const prev = new Map([[start, null]]);
    const queue = [start];
    let closer = null;
    while (queue.length && !closer) {
      const v = queue.shift();
      for (const w of graph.get(v).keys()) {
        if (w === start) {
          closer = v;
          break;
        }
        if (members.has(w) && !prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    if (!closer) continue;
    const chain = [];
    for (let v = closer; v !== null; v = prev.get(v)) chain.unshift(v);
    chain.push(start);
    const list = found.get(closer) ?? [];
    list.push({ spec: graph.get(closer).get(start), chain });
    found.set(closer, list);
  }
  cycles = found;
}

function sameEdges(a, b) {
  if (!a || a.size !== b.size) return false;
  for (const [k, v] of b) if (a.get(k) !== v) return false;
  return true;
}

const noCycles = {
  meta: {
    type: 'problem',
    docs: { description: 'No import cycles between the modules of src/.' },
    schema: [],
    messages: { cycle: 'Import cycle: {{chain}}. Move what both sides need to a module both may import.' },
  },
  create(context) {
    const file = context.filename;
    if (!posix(path.relative(ROOT, file)).startsWith('src/') || !SOURCE.test(file)) return {};
    if (!graph) buildGraph();
    const live = edgesOf(file, context.sourceCode.text);
    if (!sameEdges(graph.get(file), live)) {
      graph.set(file, live);
      cycles = null;
    }
    if (!cycles) findCycles();
    const mine = cycles.get(file);
    if (!mine) return {};
    const bySpec = new Map(mine.map((c) => [c.spec, c]));
    const reported = new Set();
    return moduleReferences((node, spec) => {
      const c = bySpec.get(spec);
      if (!c || reported.has(spec)) return;
      reported.add(spec);
      const chain = c.chain.map((f) => posix(path.relative(ROOT, f))).join(' → ');
      context.report({ node, messageId: 'cycle', data: { chain } });
    });
  },
};

export default { meta: { name: 'outpost-module-rules' }, rules: { layers, 'no-cycles': noCycles } };

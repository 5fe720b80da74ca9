/**
 * Reads a CISO Assistant library (YAML) into the frameworks and risk matrices it holds, checking
 * every part a later step relies on and naming the key or node that is wrong. Pure: no store.
 */
import { parse, YAMLParseError } from 'yaml';
import { AppError } from '../../../shared/result';
import { matrixDefinition, type MatrixDefinition, type MatrixLevel } from '../../../shared/grc/matrix';

export interface LibraryInfo {
  urn: string;
  version: number;
  name: string;
  provider: string | null;
}

export interface ParsedMatrix {
  urn: string;
  name: string;
  description: string | null;
  definition: MatrixDefinition;
}

export interface ParsedNode {
  urn: string;
  parentUrn: string | null;
  refId: string | null;
  name: string | null;
  description: string | null;
  assessable: boolean;
  depth: number;
}

export interface ParsedScore {
  score: number;
  name: string;
  description: string | null;
}

export interface ParsedFramework {
  urn: string;
  refId: string | null;
  name: string;
  description: string | null;
  minScore: number | null;
  maxScore: number | null;
  scores: ParsedScore[] | null;
  nodes: ParsedNode[];
}

export interface ParsedLibrary {
  library: LibraryInfo;
  framework: ParsedFramework | null;
  matrices: ParsedMatrix[];
}

/** Larger libraries than this are refused before parsing (NIST CSF 2.0 is 350 kB). */
export const LIBRARY_MAX_BYTES = 20 * 1024 * 1024;

function fail(path: string, message: string): never {
  throw new AppError('invalid_input', `The library is not valid: ${path} ${message}`, [{ path: path.split('.'), message }]);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(o: Obj, key: string, path: string, required: true, max?: number): string;
function text(o: Obj, key: string, path: string, required: false, max?: number): string | null;
function text(o: Obj, key: string, path: string, required: boolean, max = 50_000): string | null {
  const v = o[key];
  if (v === undefined || v === null || v === '') {
    if (required) fail(`${path}.${key}`, 'is missing.');
    return null;
  }
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') fail(`${path}.${key}`, `must be text, not ${Array.isArray(v) ? 'a list' : typeof v}.`);
  const s = (v as string).trim();
  if (s.length > max) fail(`${path}.${key}`, `is longer than ${max} characters.`);
  return s;
}

function int(o: Obj, key: string, path: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${path}.${key}`, `must be a whole number, not ${JSON.stringify(v)}.`);
  return v as number;
}

function levels(m: Obj, key: 'probability' | 'impact' | 'risk', path: string): MatrixLevel[] {
  const list = m[key];
  if (!Array.isArray(list) || list.length === 0) fail(`${path}.${key}`, 'must be a non-empty list.');
  return (list as unknown[]).map((l, i) => {
    const p = `${path}.${key}[${i}]`;
    if (!isObj(l)) fail(p, 'must be a mapping with abbreviation, name and hexcolor.');
    const hexcolor = text(l as Obj, 'hexcolor', p, false, 20);
    if (hexcolor && !/^#[0-9a-fA-F]{3,8}$/.test(hexcolor)) fail(`${p}.hexcolor`, `"${hexcolor}" is not a colour like #F87171.`);
    return {
      abbreviation: text(l as Obj, 'abbreviation', p, false, 20) ?? '',
      name: text(l as Obj, 'name', p, true, 200),
      description: text(l as Obj, 'description', p, false, 2000),
      hexcolor,
    };
  });
}

function parseMatrix(m: unknown, path: string): ParsedMatrix {
  if (!isObj(m)) fail(path, 'must be a mapping.');
  const o = m as Obj;
  const probability = levels(o, 'probability', path);
  const impact = levels(o, 'impact', path);
  const risk = levels(o, 'risk', path);
  const grid = o.grid;
  if (!Array.isArray(grid)) fail(`${path}.grid`, 'must be a list of rows (one per probability level).');
  (grid as unknown[]).forEach((row, i) => {
    if (!Array.isArray(row)) fail(`${path}.grid[${i}]`, 'must be a list of risk level indexes.');
    (row as unknown[]).forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
        fail(`${path}.grid[${i}][${j}]`, `must be a risk level index (0 or more), not ${JSON.stringify(v)}.`);
    });
  });
  const parsed = matrixDefinition.safeParse({ probability, impact, risk, grid });
  if (!parsed.success) fail(`${path}.grid`, parsed.error.issues[0]?.message ?? 'does not fit the scales.');
  return {
    urn: text(o, 'urn', path, true, 400),
    name: text(o, 'name', path, false, 300) ?? text(o, 'ref_id', path, true, 300),
    description: text(o, 'description', path, false, 5000),
    definition: parsed.data,
  };
}

function parseFramework(f: unknown, path: string): ParsedFramework {
  if (!isObj(f)) fail(path, 'must be a mapping.');
  const o = f as Obj;
  const urn = text(o, 'urn', path, true, 400);
  let scores: ParsedScore[] | null = null;
  if (o.scores_definition !== undefined && o.scores_definition !== null) {
    if (!Array.isArray(o.scores_definition)) fail(`${path}.scores_definition`, 'must be a list of { score, name, description }.');
    scores = (o.scores_definition as unknown[]).map((s, i) => {
      const p = `${path}.scores_definition[${i}]`;
      if (!isObj(s)) fail(p, 'must be a mapping with score and name.');
      const score = int(s as Obj, 'score', p);
      if (score === null) fail(`${p}.score`, 'is missing.');
      return {
        score: score as number,
        name: text(s as Obj, 'name', p, false, 200) ?? String(score),
        description: text(s as Obj, 'description', p, false, 5000),
      };
    });
    const seen = new Set<number>();
    for (const [i, s] of scores.entries()) {
      if (seen.has(s.score)) fail(`${path}.scores_definition[${i}].score`, `${s.score} is defined twice.`);
      seen.add(s.score);
    }
  }
  const list = o.requirement_nodes;
  if (!Array.isArray(list) || list.length === 0) fail(`${path}.requirement_nodes`, 'must be a non-empty list.');
  const nodes: ParsedNode[] = [];
  const byUrn = new Map<string, ParsedNode>();
  (list as unknown[]).forEach((n, i) => {
    const p = `${path}.requirement_nodes[${i}]`;
    if (!isObj(n)) fail(p, 'must be a mapping with urn, ref_id, name, assessable and depth.');
    const no = n as Obj;
    const nodeUrn = text(no, 'urn', p, true, 400);
    if (byUrn.has(nodeUrn)) fail(`${p}.urn`, `${nodeUrn} appears twice.`);
    const parentUrn = text(no, 'parent_urn', p, false, 400);
    const parent = parentUrn ? byUrn.get(parentUrn) : undefined;
    if (parentUrn && !parent) fail(`${p}.parent_urn`, `${parentUrn} is not a node listed before it.`);
    const a = no.assessable;
    if (a !== undefined && typeof a !== 'boolean') fail(`${p}.assessable`, `must be true or false, not ${JSON.stringify(a)}.`);
    const depth = int(no, 'depth', p) ?? (parent ? parent.depth + 1 : 1);
    if (depth < 0 || depth > 100) fail(`${p}.depth`, `must be between 0 and 100, not ${depth}.`);
    const refId = text(no, 'ref_id', p, false, 200);
    const node: ParsedNode = {
      urn: nodeUrn,
      parentUrn,
      refId,
      name: text(no, 'name', p, false, 2000),
      description: text(no, 'description', p, false, 50_000),
      assessable: a === true,
      depth,
    };
    if (!node.refId && !node.name && !node.description) fail(p, 'has no ref_id, name or description to show.');
    byUrn.set(nodeUrn, node);
    nodes.push(node);
  });
  return {
    urn,
    refId: text(o, 'ref_id', path, false, 200),
    name: text(o, 'name', path, false, 300) ?? text(o, 'ref_id', path, true, 300),
    description: text(o, 'description', path, false, 20_000),
    minScore: int(o, 'min_score', path),
    maxScore: int(o, 'max_score', path),
    scores,
    nodes,
  };
}

export function parseLibrary(content: string): ParsedLibrary {
  if (Buffer.byteLength(content, 'utf8') > LIBRARY_MAX_BYTES)
    throw new AppError('invalid_input', `The library is larger than ${LIBRARY_MAX_BYTES / 1024 / 1024} MB.`);
  let doc: unknown;
  try {
    // Aliases are capped so a small file cannot expand into gigabytes.
    doc = parse(content, { maxAliasCount: 100, uniqueKeys: false });
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
    throw new AppError('invalid_input', `The library is not readable YAML${where}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObj(doc)) fail('library', 'must be a YAML mapping with urn, name and objects.');
  const d = doc as Obj;
  const version = int(d, 'version', 'library') ?? 1;
  if (version < 0) fail('library.version', 'must be 0 or more.');
  const library: LibraryInfo = {
    urn: text(d, 'urn', 'library', true, 400),
    version,
    name: text(d, 'name', 'library', false, 300) ?? text(d, 'ref_id', 'library', true, 300),
    provider: text(d, 'provider', 'library', false, 200),
  };
  const objects = d.objects;
  if (!isObj(objects)) fail('library.objects', 'is missing: a library holds a framework or risk matrices under objects.');
  const o = objects as Obj;
  const framework = o.framework !== undefined ? parseFramework(o.framework, 'objects.framework') : null;
  let matrices: ParsedMatrix[] = [];
  if (o.risk_matrix !== undefined) {
    if (!Array.isArray(o.risk_matrix)) fail('objects.risk_matrix', 'must be a list of matrices.');
    matrices = (o.risk_matrix as unknown[]).map((m, i) => parseMatrix(m, `objects.risk_matrix[${i}]`));
  }
  if (!framework && !matrices.length) fail('library.objects', 'holds neither a framework nor a risk matrix; Outpost imports those two.');
  return { library, framework, matrices };
}

/**
 * assets.import: read the file, plan every row without writing, and commit only when no row has
 * an error (one transaction: an audit event per record written, and one naming the file's SHA-256).
 */
import { createHash } from 'node:crypto';
import type { Ctx } from '../../core/context';
import { requireActor, write } from '../../core/write';
import { deviceGuard } from '../../core/guard';
import { AppError } from '../../../../shared/result';
import type { CsvInspection, ImportEncoding, ImportError, ImportFormat, ImportResult, ImportTextInfo, MappableField } from '../../../../shared/api/assets';
import type { StatusLabelType } from '../../../../shared/assets/status-labels';
import { addNonAscii, findMojibake, MojibakeFinder, nonAsciiSample, repairCells } from './encoding';
import { StatusLabels } from './status-labels';
import { MAPPABLE_FIELDS } from '../../../../shared/api/assets';
import { defaultSiteId } from '../assets';
import { cutAfterLastLine, decodeInput, decodeText, headerKey, parseCsv, type Decoded, type ParsedCsv } from './csv';
import { NotUtf8Error, streamCsv, type CsvSource } from './stream';
import { decodeAs } from './encoding';
import { AssetApplier, assetPlanner, ASSET_ALIASES, ErrorSink, type AssetPlanner } from './assets';
import { planLicences, planLocations, planModels, planUsers, type Planned } from './others';
import { People, Places } from './resolve';
import { cancelledError, OpBatch, type ImportHooks } from './commit';
import { planGlpiImport } from '../../inventory/glpi';

/** Enough to fix a file; the count says how many more there were. */
const MAX_ERRORS = 500;

export interface ImportInput {
  format: ImportFormat;
  content?: string;
  contentBase64?: string;
  /** The file behind an upload (see services/uploads), read by the importer itself. */
  filePath?: string;
  /** The key the upload's file is sealed with (hex), when the store is encrypted. */
  fileKey?: string | null;
  dryRun: boolean;
  mapping?: Record<string, MappableField>;
  /** The field each column gives, by position (null: ignored); takes the place of `mapping`. */
  columnFields?: (MappableField | null)[];
  siteId?: string;
  /** The encoding the person chose (else detected). */
  encoding?: ImportEncoding;
  /** Repair values that are UTF-8 read as Windows-1252 before they reached the file. */
  repairMojibake?: boolean;
  /** Types for new status labels, as the person set them in the preview. */
  statusLabelTypes?: Record<string, StatusLabelType>;
}

/** Parses the decoded text, repairs misread UTF-8 when asked, and describes how the text was read. */
function readCsv(decoded: Decoded, repair: boolean | undefined): { csv: ParsedCsv; text: ImportTextInfo } {
  const csv = parseCsv(decoded.text);
  const mojibake = findMojibake(csv.rows, csv.headers);
  const repaired = !!repair && mojibake !== null;
  if (repaired) {
    csv.rows = repairCells(csv.rows);
    csv.headers = repairCells([csv.headers])[0]!;
  }
  const text: ImportTextInfo = { encoding: decoded.encoding, encodingChosen: decoded.chosen, nonAscii: nonAsciiSample(csv.rows), mojibake, repaired };
  return { csv, text };
}

/** The first MAX_ERRORS problems, and a line saying how many more there were (`total`: all of them). */
function capErrors(errors: ImportError[], total = errors.length): ImportError[] {
  if (total <= MAX_ERRORS) return errors;
  return [...errors.slice(0, MAX_ERRORS), { row: 0, column: '', message: `…and ${total - MAX_ERRORS} more errors not shown. Fix these and try again.` }];
}

/** A file read and planned, not yet written: what a preview found, ready to commit. */
export interface PreparedImport {
  input: ImportInput;
  sha256: string;
  planned: Planned;
  result: ImportResult;
}

/**
 * Plans and (unless dry run or any error) commits one file. `hooks` report progress and let a
 * caller cancel: a cancel throws inside the transaction, so nothing of the file is written.
 */
export function importFile(ctx: Ctx, input: ImportInput, hooks?: ImportHooks): ImportResult {
  const prepared = prepareImport(ctx, input, hooks);
  if (input.dryRun || prepared.result.errors.length) return prepared.result;
  return commitPrepared(ctx, prepared, hooks);
}

/** Reads and plans a file without writing anything: the preview, and the first half of a commit. */
export function prepareImport(ctx: Ctx, input: ImportInput, hooks?: ImportHooks): PreparedImport {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const siteId = input.siteId ?? defaultSiteId(ctx, actor);
  if (!sqlite.prepare('SELECT 1 FROM sites WHERE id = ? AND deleted_hlc IS NULL').get(siteId)) {
    throw new AppError('invalid_input', 'No such site.', [{ path: ['siteId'], message: 'Unknown site.' }]);
  }
  hooks?.progress?.({ phase: 'reading', done: 0, total: 0 });
  if (input.format === 'snipe-it-assets' || input.format === 'csv-mapped') return prepareAssetFile(ctx, input, siteId, actor.role === 'admin', hooks);
  // The other files (people, places, licences, models, a GLPI inventory) are small by nature: read whole.
  const decoded = decodeInput(input);
  const sha256 = createHash('sha256').update(decoded.text).digest('hex');

  let planned: Planned;
  let lineEnding = 'lf';
  let text: ImportTextInfo | undefined;
  if (input.format === 'glpi-inventory') {
    planned = planGlpiImport(ctx, decoded.text, siteId);
  } else {
    const read = readCsv(decoded, input.repairMojibake);
    const csv = read.csv;
    text = read.text;
    lineEnding = csv.lineEnding;
    hooks?.progress?.({ phase: 'checking', done: 0, total: csv.rows.length });
    planned = planCsv(ctx, input.format, csv, siteId, actor.role === 'admin');
    planned.errors.unshift(...csv.errors);
  }
  const rows = planned.created + planned.updated + planned.unchanged + new Set(planned.errors.filter((e) => e.row > 0).map((e) => e.row)).size;
  const base = {
    rows,
    dryRun: input.dryRun,
    encoding: decoded.encoding,
    lineEnding,
    preview: planned.preview,
    columns: planned.columns,
    ...(text ? { text } : {}),
    headerNotes: planned.notes ?? [],
    rowNotes: planned.rowNotes ?? [],
    warnings: planned.warnings ?? [],
    ...(planned.statusLabels ? { statusLabels: planned.statusLabels } : {}),
  };
  if (planned.errors.length) {
    planned.errors.sort((a, b) => a.row - b.row);
    return { input, sha256, planned, result: { ...base, created: 0, updated: 0, unchanged: 0, errors: capErrors(planned.errors) } };
  }
  return { input, sha256, planned, result: { ...base, created: planned.created, updated: planned.updated, unchanged: planned.unchanged, errors: [] } };
}

/**
 * Writes a prepared file with no errors in one transaction. The plan must still describe the
 * database: the caller prepares and commits back to back, or re-prepares if anything else was
 * written since (see the import worker).
 */
/** From this many rows, an import's audit events list several records each. */
export const GROUPED_AUDIT_ROWS = 5000;

export function commitPrepared(ctx: Ctx, prepared: PreparedImport, hooks?: ImportHooks): ImportResult {
  const { planned, input, sha256 } = prepared;
  if (prepared.result.errors.length) throw new Error('A file with row errors cannot be committed.');
  const rows = prepared.result.rows;
  write(ctx, (w) => {
    planned.apply(w, hooks);
    if (hooks?.cancelled?.()) throw cancelledError();
    hooks?.progress?.({ phase: 'finishing', done: rows, total: rows });
    // Every record written has its own event (auditOps); this one names the file (its SHA-256 and counts).
    w.audit('import', null, null, { format: input.format, sha256, created: planned.created, updated: planned.updated, rows });
    // A large file's records are listed a few hundred per event (each still found by its id), which
    // keeps a 50,000-row import near the speed of writing its rows.
  }, { auditOps: true, ...(rows >= GROUPED_AUDIT_ROWS ? { auditGroupOf: 500 } : {}) });
  return { ...prepared.result, dryRun: false };
}

function planCsv(
  ctx: Ctx,
  format: ImportFormat,
  csv: ReturnType<typeof parseCsv>,
  siteId: string,
  isAdmin: boolean,
): Planned {
  const sqlite = ctx.store.sqlite;
  switch (format) {
    case 'snipe-it-users':
      if (!isAdmin) throw new AppError('forbidden', 'Only an administrator can import people.');
      return planUsers(sqlite, csv, siteId);
    case 'snipe-it-locations':
      return planLocations(sqlite, csv, siteId);
    case 'snipe-it-licenses':
      return planLicences(sqlite, csv, siteId, isAdmin);
    case 'snipe-it-models':
      return planModels(sqlite, csv);
    default:
      throw new Error(`${format} files are read as a stream (prepareAssetFile).`);
  }
}

/** Where an asset file's rows come from, as the stream reads them. */
function assetSource(input: ImportInput): CsvSource {
  if (input.filePath !== undefined) return { filePath: input.filePath, fileKey: input.fileKey ?? null, encoding: input.encoding };
  if (input.contentBase64 !== undefined) return { contentBase64: input.contentBase64, encoding: input.encoding };
  return { text: decodeText(input.content ?? '', input.encoding) };
}

/**
 * An asset file (Snipe-IT's, or any CSV with a column mapping), read as a stream: decoded, parsed
 * and planned a chunk of rows at a time, so memory holds the plan's counts, the file's tags and the
 * new people, places and labels, never the file or its rows. No row is kept for the commit either:
 * it reads the file again inside its one transaction and writes each row as it is planned again
 * (with the people, places and labels this plan found), after checking the file is the one planned.
 */
function prepareAssetFile(ctx: Ctx, input: ImportInput, siteId: string, isAdmin: boolean, hooks?: ImportHooks): PreparedImport {
  const sqlite = ctx.store.sqlite;
  if (input.format === 'csv-mapped' && !input.mapping && !input.columnFields) {
    throw new AppError('invalid_input', 'Map the file’s columns to asset fields first (mapping).', [{ path: ['mapping'], message: 'Required for csv-mapped.' }]);
  }
  const mapping = input.columnFields ?? input.mapping;
  const source = assetSource(input);

  const read = (src: CsvSource) => {
    const people = new People(sqlite, isAdmin);
    const places = new Places(sqlite, siteId);
    const labels = new StatusLabels(sqlite, isAdmin, input.statusLabelTypes);
    const mojibake = new MojibakeFinder();
    const nonAscii = new Set<string>();
    const hash = createHash('sha256');
    let planner: AssetPlanner | null = null;
    const start = (headers: string[]) => {
      if (input.columnFields && input.columnFields.length !== headers.length) {
        throw new AppError('invalid_input', `The column mapping names ${input.columnFields.length} columns; the file has ${headers.length}.`, [
          { path: ['columnFields'], message: 'One entry per column of the file.' },
        ]);
      }
      return assetPlanner(sqlite, headers, { siteId, people, places, labels, mapping });
    };
    let headerBlank = false;
    let headerRow: string[] = [];
    const streamed = streamCsv(src, {
      text: (t) => hash.update(t),
      header(headers) {
        mojibake.add(headers);
        headerBlank = headers.every((h) => !h.trim());
        headerRow = headers;
        planner = start(input.repairMojibake ? repairCells([headers])[0]! : headers);
      },
      rows(rows, firstRow, info) {
        if (hooks?.cancelled?.()) throw cancelledError();
        for (const r of rows) mojibake.add(r);
        const ready = input.repairMojibake ? repairCells(rows) : rows;
        if (nonAscii.size < 8) for (const r of ready) if (!addNonAscii(nonAscii, r)) break;
        planner!.plan(ready, firstRow);
        hooks?.progress?.({ phase: 'checking', done: info.bytesRead, total: info.size });
      },
    });
    const errors = new ErrorSink();
    errors.push(...streamed.errors);
    if (!streamed.headerSeen || headerBlank) errors.push({ row: 0, column: '', kind: 'header', message: 'The file is empty or has no header row.' });
    planner ??= start([]);
    hooks?.progress?.({ phase: 'checking', done: streamed.info.size, total: streamed.info.size });
    return { streamed, errors, headers: headerRow, summary: (planner as AssetPlanner).finish(), people, places, labels, mojibake: mojibake.report(), nonAscii: [...nonAscii], sha256: hash.digest('hex') };
  };

  let r: ReturnType<typeof read>;
  try {
    r = read(source);
  } catch (e) {
    // Detected as UTF-8 from its head, the file is not UTF-8 further on: read it as the whole-file
    // detection would have (a single-byte encoding, weighed with the bytes that broke UTF-8).
    if (!(e instanceof NotUtf8Error)) throw e;
    r = read({ ...source, notUtf8: e.chunk });
  }
  const { streamed, summary, people, places, labels } = r;
  const info = streamed.info;
  const repaired = !!input.repairMojibake && r.mojibake !== null;
  const text: ImportTextInfo = { encoding: info.encoding, encodingChosen: info.chosen, nonAscii: r.nonAscii, mojibake: r.mojibake, repaired };
  // The parser's problems first (as a whole-file read reports them), then the rows'.
  const errors = r.errors;
  errors.push(...summary.errors.items);
  const errorCount = r.errors.count - summary.errors.items.length + summary.errors.count;
  const all = errors.items;
  const rows = summary.created + summary.updated + summary.unchanged + (errorCount > all.length ? summary.errors.rows + streamed.errors.length : new Set(all.filter((e) => e.row > 0).map((e) => e.row)).size);
  const base = {
    rows,
    dryRun: input.dryRun,
    encoding: info.encoding,
    lineEnding: info.lineEnding,
    preview: summary.preview,
    columns: summary.columns,
    text,
    headerNotes: summary.notes,
    rowNotes: summary.rowNotes,
    warnings: summary.warnings,
    statusLabels: labels.summary(),
  };
  const planned: Planned = {
    errors: all,
    columns: summary.columns,
    preview: summary.preview,
    created: summary.created,
    updated: summary.updated,
    unchanged: summary.unchanged,
    apply(w, commitHooks) {
      // Every op of the asset commit goes through one batch (one sequence read and write), judged
      // by the server's rules as a single write's are (core/guard.ts): on a joined device a file
      // the server would refuse stops here, before anything of it is kept. The guard reads an op's
      // parent row; the only rows the batch buffers are new assets, and no op of the file names one.
      const ops = new OpBatch(sqlite, w, deviceGuard(ctx));
      people.commit(ops.scope, siteId);
      places.commit(ops.scope);
      labels.commit(sqlite, ops.scope);
      const total = summary.created + summary.updated + summary.unchanged;
      const applier = new AssetApplier(sqlite, ops, summary.created, total, people, places, commitHooks);
      // The same file again, as it was decoded: each row planned against the register as it now
      // stands (with the people, places and labels just made) and written at once.
      const again = assetPlanner(sqlite, repaired ? repairCells([r.headers])[0]! : r.headers, { siteId, people, places, labels, mapping });
      const hash = createHash('sha256');
      streamCsv({ ...source, notUtf8: undefined, encoding: info.encoding }, {
        text: (t) => hash.update(t),
        header: () => undefined,
        rows(rows, firstRow) {
          again.plan(repaired ? repairCells(rows) : rows, firstRow, (p) => applier.apply(p));
        },
      });
      if (hash.digest('hex') !== r.sha256 || again.finish().errors.count) {
        throw new AppError('conflict', 'The file changed while it was being imported; nothing was written. Choose it again and import it.');
      }
      applier.finish();
      ops.flush();
    },
  };
  if (errorCount) {
    all.sort((a, b) => a.row - b.row);
    return { input, sha256: r.sha256, planned, result: { ...base, created: 0, updated: 0, unchanged: 0, errors: capErrors(all, errorCount) } };
  }
  return { input, sha256: r.sha256, planned, result: { ...base, created: summary.created, updated: summary.updated, unchanged: summary.unchanged, errors: [] } };
}

const FORMAT_SIGNATURES: [ImportFormat, string[]][] = [
  ['snipe-it-assets', ['asset tag']],
  ['snipe-it-licenses', ['seats']],
  ['snipe-it-models', ['model number', 'eol']],
  ['snipe-it-users', ['username', 'first name']],
  ['snipe-it-locations', ['name', 'address']],
];

/**
 * Which column a generic CSV's assignee is read from: a username first, then an email, then a
 * "checked out to" or assigned-to column, a full name only when there is nothing better.
 */
const ASSIGNEE_PREFERENCE = ['username', 'email', 'assignedTo'] as const;
const FULL_NAME_KEYS = new Set(['full name', 'name of user', 'user name', 'employee name']);

/** How much of a large file the inspection reads: enough for its header, a sample and its encoding. */
export const INSPECT_HEAD_BYTES = 1024 * 1024;

/**
 * `head`: the first bytes of a larger file (an upload, or a file picked on the desktop) with its
 * whole size; the inspection then describes that head (its rows, its sample), and says so, while
 * the preview (a dry run) reads the whole file.
 */
export function inspectCsv(
  ctx: Ctx,
  input: { content?: string; contentBase64?: string; head?: { bytes: Buffer; size: number; whole: boolean }; encoding?: ImportEncoding; repairMojibake?: boolean },
): CsvInspection {
  requireActor(ctx);
  const head = input.head;
  const partial = head !== undefined && !head.whole;
  const decoded = head ? decodeAs(partial ? cutAfterLastLine(head.bytes, input.encoding) : head.bytes, input.encoding) : decodeInput(input);
  const { csv, text } = readCsv(decoded, input.repairMojibake);
  // The head's last row may be the start of a cell that goes on past it (a quoted line end).
  if (partial) csv.rows.pop();
  const keys = csv.headers.map(headerKey);
  const detectedFormat = FORMAT_SIGNATURES.find(([, need]) => need.every((n) => keys.includes(n)))?.[0] ?? null;
  const suggestedMapping: Record<string, MappableField> = {};
  const used = new Set<string>();
  let assignee: { header: string; rank: number } | null = null;
  csv.headers.forEach((h, i) => {
    const f = ASSET_ALIASES[keys[i]!];
    const rank = FULL_NAME_KEYS.has(keys[i]!) ? ASSIGNEE_PREFERENCE.length : ASSIGNEE_PREFERENCE.indexOf(f as (typeof ASSIGNEE_PREFERENCE)[number]);
    if (rank >= 0) {
      if (!assignee || rank < assignee.rank) assignee = { header: h, rank };
      return;
    }
    if (f && (MAPPABLE_FIELDS as readonly string[]).includes(f) && !used.has(f)) {
      suggestedMapping[h] = f as MappableField;
      used.add(f);
    }
  });
  const who = assignee as { header: string; rank: number } | null;
  if (who) suggestedMapping[who.header] = 'assignedTo';
  // By position, each suggested field goes to the first column with that header only.
  const given = new Set<string>();
  const suggestedColumns = csv.headers.map((h) => {
    const f = suggestedMapping[h];
    if (!f || given.has(h)) return null;
    given.add(h);
    return f;
  });
  return {
    encoding: decoded.encoding,
    text,
    lineEnding: csv.lineEnding,
    delimiter: csv.delimiter,
    headers: csv.headers,
    rows: csv.rows.length,
    ...(partial ? { partial: { bytesRead: head.bytes.length, size: Math.max(head.size, head.bytes.length) } } : {}),
    sample: csv.rows.slice(0, 10),
    detectedFormat,
    suggestedMapping,
    suggestedColumns,
  };
}

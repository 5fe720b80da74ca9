// Outpost's change to SQLite3 Multiple Ciphers (the encrypted store's SQLite), applied by
// `npm install` / `npm ci` (package.json "postinstall") to
// node_modules/better-sqlite3-multiple-ciphers/deps/sqlite3/sqlite3.c, which is then compiled again.
//
// What it changes (docs/encryption.md, "Reading and folding back the log of an encrypted store"):
// 1. A page read from the write-ahead log: the cipher needs the page's number, and the library read
//    the frame's header from the file again to learn it (a second read call for every page). SQLite's
//    own log code knows the number (from the log's index in shared memory) and now passes it along
//    (a file-control "hint"), so a page from the log costs one read call, as in a plain store.
// 2. A checkpoint (the log folded back into the store file): each page was decrypted as it was read
//    from the log and encrypted again, under a fresh nonce, as it was written to the file. A page in
//    the log is encrypted exactly as the file holds it (the same key, the page's number bound in, the
//    nonce and tag in the page's reserved bytes), so the checkpoint now copies it as it is: it stays
//    ciphertext throughout. The page is still authenticated wherever it is read (a changed byte is
//    found when the page is next read from the file, where it was found during the checkpoint before).
// The file format is unchanged: stores written with or without this change open with either build.
//
// Safety: a wrong page number cannot pass (the number is authenticated with the page: the read
// fails as corrupt); a page is written without encryption only when it is the very page the same
// connection's checkpoint has just read as ciphertext from the log, and that mark is cleared when the
// checkpoint starts and ends.
//
// Every edit names the text it expects; a library update that moves it stops `npm install` with a
// message naming what is missing, instead of building something half-changed.
// `node scripts/sqlite3mc-wal.mjs --check` only reports whether the built library carries the change.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Appended to sqlite3mc_version(): how Outpost (and its tests) tell the changed library at run time. */
export const VERSION_MARK = ' (Outpost: log pages read and folded back as ciphertext)';

const HINT = `
/*
** Outpost (scripts/sqlite3mc-wal.mjs): file controls by which the log code tells the
** SQLite3 Multiple Ciphers file layer about the page it reads next from the log.
** WAL_PGNO with n > 0: the page is page n (the file layer need not read the frame's
** header again to learn it); with -n: the checkpoint copies page n into the database
** file as it is (encrypted, not decrypted and encrypted again). A file layer that does
** not know these opcodes ignores them.
*/
#define SQLITE3MC_FCNTL_WAL_PGNO 0x3f98c07a
static void walHintPgno(Wal *pWal, int iPgno){
  sqlite3OsFileControlHint(pWal->pWalFd, SQLITE3MC_FCNTL_WAL_PGNO, &iPgno);
}
`;

/** [what it is for, the text expected once, the text it becomes] */
const EDITS = [
  ['the version string', '#define SQLITE3MC_VERSION_STRING     "SQLite3 Multiple Ciphers 2.3.5"', `#define SQLITE3MC_VERSION_STRING     "SQLite3 Multiple Ciphers 2.3.5${VERSION_MARK}"`],
  [
    'the hint helper, before walFramePgno',
    `/*
** Return the page number associated with frame iFrame in this WAL.
*/
static u32 walFramePgno(Wal *pWal, u32 iFrame){`,
    `${HINT}
/*
** Return the page number associated with frame iFrame in this WAL.
*/
static u32 walFramePgno(Wal *pWal, u32 iFrame){`,
  ],
  [
    "the checkpoint's copy of each frame",
    `          iOffset = walFrameOffset(iFrame, szPage) + WAL_FRAME_HDRSIZE;
          /* testcase( IS_BIG_INT(iOffset) ); // requires a 4GiB WAL file */
          rc = sqlite3OsRead(pWal->pWalFd, zBuf, szPage, iOffset);`,
    `          iOffset = walFrameOffset(iFrame, szPage) + WAL_FRAME_HDRSIZE;
          /* testcase( IS_BIG_INT(iOffset) ); // requires a 4GiB WAL file */
          walHintPgno(pWal, -(int)iDbpage);
          rc = sqlite3OsRead(pWal->pWalFd, zBuf, szPage, iOffset);`,
  ],
  [
    "snapshot recovery's read of a frame",
    `        iWalOff = walFrameOffset(i, szPage) + WAL_FRAME_HDRSIZE;
        rc = sqlite3OsRead(pWal->pWalFd, pBuf1, szPage, iWalOff);`,
    `        iWalOff = walFrameOffset(i, szPage) + WAL_FRAME_HDRSIZE;
        walHintPgno(pWal, (int)pgno);
        rc = sqlite3OsRead(pWal->pWalFd, pBuf1, szPage, iWalOff);`,
  ],
  [
    "a reader's read of a page from the log",
    `  iOffset = walFrameOffset(iRead, sz) + WAL_FRAME_HDRSIZE;
  /* testcase( IS_BIG_INT(iOffset) ); // requires a 4GiB WAL */
  return sqlite3OsRead(pWal->pWalFd, pOut, (nOut>sz ? sz : nOut), iOffset);`,
    `  iOffset = walFrameOffset(iRead, sz) + WAL_FRAME_HDRSIZE;
  /* testcase( IS_BIG_INT(iOffset) ); // requires a 4GiB WAL */
  if( nOut>=sz ){
    /* The frame was found through the log's index, so its index page is mapped. */
    int iHash = walFramePage(iRead);
    if( iHash<pWal->nWiData && pWal->apWiData[iHash] ){
      walHintPgno(pWal, (int)walFramePgno(pWal, iRead));
    }
  }
  return sqlite3OsRead(pWal->pWalFd, pOut, (nOut>sz ? sz : nOut), iOffset);`,
  ],
  [
    'the file structure',
    `  Codec* codec;                /* Codec if encrypted */
  int pageNo;                  /* Page number (in case of journal files) */
};`,
    `  Codec* codec;                /* Codec if encrypted */
  int pageNo;                  /* Page number (in case of journal files; for a WAL file: the hint, see walHintPgno) */
  int copyPageNo;              /* Outpost: main db file: the page the checkpoint writes next as it is (0: none) */
};`,
  ],
  [
    'opening a file',
    `  mcFile->pMainNext = 0;
  mcFile->pageNo = 0;
`,
    `  mcFile->pMainNext = 0;
  mcFile->pageNo = 0;
  mcFile->copyPageNo = 0;
`,
  ],
  [
    'reading a page from the log',
    `  sqlite3mc_file* mcFile = (sqlite3mc_file*) pFile;
  Codec* codec = (mcFile->pMainDb) ? mcFile->pMainDb->codec : 0;

  if (codec != 0 && sqlite3mcIsEncrypted(codec))
  {
    const int pageSize = sqlite3mcGetPageSize(codec);

    if (count == pageSize)
    {
      int pageNo = 0;
      unsigned char ac[4];

      /*
      ** Determine page number
      **
      ** It is necessary to explicitly read the page number from the frame header.
      */
      rc = REALFILE(pFile)->pMethods->xRead(REALFILE(pFile), ac, 4, offset - walFrameHeaderSize);
      if (rc == SQLITE_OK)
      {
        pageNo = sqlite3Get4byte(ac);
      }
`,
    `  sqlite3mc_file* mcFile = (sqlite3mc_file*) pFile;
  Codec* codec = (mcFile->pMainDb) ? mcFile->pMainDb->codec : 0;
  /* Outpost: the hint the log code gave for this read (see walHintPgno); used once */
  const int pageNoHint = mcFile->pageNo;
  mcFile->pageNo = 0;

  if (codec != 0 && sqlite3mcIsEncrypted(codec))
  {
    const int pageSize = sqlite3mcGetPageSize(codec);

    if (count == pageSize && pageNoHint < 0 && codec->m_walLegacy == 0 && mcFile->pMainDb != 0)
    {
      /*
      ** Outpost: the checkpoint copies this page into the database file as it is. A log
      ** page is encrypted exactly as the file keeps it (walWriteOneFrame encrypts it with
      ** sqlite3mcPagerCodec, as mcWriteMainDb would), so it stays encrypted; the database
      ** file writes it unchanged only if it is this page (mcWriteMainDb).
      */
      mcFile->pMainDb->copyPageNo = -pageNoHint;
    }
    else if (count == pageSize)
    {
      int pageNo = (pageNoHint > 0) ? pageNoHint : 0;
      unsigned char ac[4];

      /*
      ** Determine page number
      **
      ** Outpost: the log code passes it where it knows it (walHintPgno); otherwise it is
      ** read from the frame header.
      */
      if (pageNo == 0)
      {
        rc = REALFILE(pFile)->pMethods->xRead(REALFILE(pFile), ac, 4, offset - walFrameHeaderSize);
        if (rc == SQLITE_OK)
        {
          pageNo = sqlite3Get4byte(ac);
        }
      }
`,
  ],
  [
    'writing a page to the database file',
    `      for (iPage = 0; iPage < nPages; ++iPage)
      {
        void* bufferEncrypted = sqlite3mcCodec(mcFile->codec, data, pageNo, 6);
        rc = REALFILE(pFile)->pMethods->xWrite(REALFILE(pFile), bufferEncrypted, pageSize, offset);`,
    `      for (iPage = 0; iPage < nPages; ++iPage)
      {
        /* Outpost: the page the checkpoint has just read, still encrypted, from the log */
        const int copied = (nPages == 1 && mcFile->copyPageNo == pageNo);
        void* bufferEncrypted = copied ? data : sqlite3mcCodec(mcFile->codec, data, pageNo, 6);
        mcFile->copyPageNo = 0;
        rc = REALFILE(pFile)->pMethods->xWrite(REALFILE(pFile), bufferEncrypted, pageSize, offset);`,
  ],
  [
    'the file controls',
    `    case SQLITE3MC_FCNTL_PVFS:
      {
        *(sqlite3mc_vfs**) pArg = p->pVfsMC;
        doReal = 0;
      }
      break;`,
    `    case SQLITE3MC_FCNTL_PVFS:
      {
        *(sqlite3mc_vfs**) pArg = p->pVfsMC;
        doReal = 0;
      }
      break;
    case SQLITE3MC_FCNTL_WAL_PGNO:
      {
        /* Outpost: the hint for the next page read from this log (see walHintPgno) */
        if (p->openFlags & SQLITE_OPEN_WAL) p->pageNo = *(int*) pArg;
        doReal = 0;
      }
      break;
    case SQLITE_FCNTL_CKPT_START:
    case SQLITE_FCNTL_CKPT_DONE:
      {
        /* Outpost: no page is left marked to be written as it is outside a checkpoint */
        p->copyPageNo = 0;
      }
      break;`,
  ],
];

/** The changed source (idempotent: a source already changed is returned as it is). */
export function patchSource(source) {
  if (source.includes(VERSION_MARK)) return source;
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  let out = source;
  for (const [what, from, to] of EDITS) {
    const a = from.replace(/\n/g, eol);
    const parts = out.split(a);
    if (parts.length !== 2) {
      throw new Error(
        `Outpost's change to SQLite3 Multiple Ciphers (${what}) expects its text ${parts.length === 1 ? 'once and found it nowhere' : `once and found it ${parts.length - 1} times`}: the library was updated; see scripts/sqlite3mc-wal.mjs.`,
      );
    }
    out = parts.join(to.replace(/\n/g, eol));
  }
  return out;
}

const require = createRequire(import.meta.url);

/** The sqlite3mc_version() of the library that `require` loads now (null when it does not load). */
export function builtVersion() {
  const script = `const D = require(${JSON.stringify(require.resolve('better-sqlite3-multiple-ciphers'))}); const d = new D(':memory:'); process.stdout.write(d.prepare('SELECT sqlite3mc_version() AS v').get().v); d.close();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : null;
}

function main() {
  const pkgDir = path.dirname(require.resolve('better-sqlite3-multiple-ciphers/package.json'));
  const file = path.join(pkgDir, 'deps/sqlite3/sqlite3.c');
  if (process.argv.includes('--check')) {
    const v = builtVersion();
    console.log(v?.endsWith(VERSION_MARK) ? `The store's SQLite carries Outpost's change: ${v}` : `The store's SQLite does not carry Outpost's change (${v ?? 'it does not load'}): run npm install.`);
    process.exitCode = v?.endsWith(VERSION_MARK) ? 0 : 1;
    return;
  }
  const source = fs.readFileSync(file, 'latin1');
  const patched = patchSource(source);
  if (patched !== source) fs.writeFileSync(file, patched, 'latin1');
  if (builtVersion()?.endsWith(VERSION_MARK)) return;
  console.log("Outpost: compiling SQLite3 Multiple Ciphers with Outpost's change (scripts/sqlite3mc-wal.mjs); this takes a minute or two…");
  // Built from source (prebuild-install reads npm_config_build_from_source): a downloaded prebuilt
  // library would not carry the change.
  const env = { ...process.env, npm_config_build_from_source: 'true' };
  const args = ['rebuild', 'better-sqlite3-multiple-ciphers', '--foreground-scripts'];
  const npm = process.env.npm_execpath;
  // The compiler's output is shown only when it fails (OUTPOST_VERBOSE_BUILD=1: always).
  const stdio = process.env.OUTPOST_VERBOSE_BUILD === '1' ? 'inherit' : 'pipe';
  const opts = { stdio, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 };
  const r = npm ? spawnSync(process.execPath, [npm, ...args], opts) : spawnSync('npm', args, { ...opts, shell: process.platform === 'win32' });
  const v = builtVersion();
  if (r.status !== 0 || !v?.endsWith(VERSION_MARK)) {
    if (stdio === 'pipe') process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-60).join('\n') + '\n');
    // The store still works without the change (same file format), only slower when encrypted;
    // `npm test` says so (src/main/db/sqlite3mc-wal.test.ts).
    console.warn(
      `Outpost: SQLite3 Multiple Ciphers could not be compiled with Outpost's change (a C compiler, Python 3 and make are needed: see node-gyp). The store works without it, only slower when encrypted. Library now: ${v ?? 'does not load'}.`,
    );
  } else {
    console.log(`Outpost: ${v}.`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

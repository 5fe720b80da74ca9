import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { parseCliOptions, type CliOptionsSpec } from './cli-options';

const USAGE = 'Usage: npm run tool -- FILE [--data-dir D] [--port P]';

/** Runs the parser with two options and what it was given, returning what each setter received. */
function run(argv: string[], extra: Partial<CliOptionsSpec> = {}) {
  const got: string[] = [];
  parseCliOptions(argv, {
    usage: USAGE,
    options: { '--data-dir': (v) => got.push(`data-dir=${v}`), '--port': (v) => got.push(`port=${v}`), '-p': (v) => got.push(`p=${v}`) },
    ...extra,
  });
  return got;
}

describe('parseCliOptions', () => {
  it('hands each option its value, in the order given; a later one wins as the setter decides', () => {
    expect(run(['--port', '4300', '--data-dir', 'd', '-p', '1', '--port', '2'])).toEqual(['port=4300', 'data-dir=d', 'p=1', 'port=2']);
    expect(run([])).toEqual([]);
  });

  it('takes the next argument as the value even when it looks like an option, as the tools always have', () => {
    expect(run(['--data-dir', '--port'])).toEqual(['data-dir=--port']);
  });

  it('says which option lacks its value, with the usage line, or in the words the tool chooses', () => {
    expect(() => run(['--port', '1', '--data-dir'])).toThrow(new Error(`--data-dir needs a value. ${USAGE}`));
    expect(() => run(['-p'], { missingValue: (o) => `${o} needs a value` })).toThrow(new Error('-p needs a value'));
  });

  it('refuses an option it does not know, naming it, with the usage line', () => {
    expect(() => run(['--datadir', 'x'])).toThrow(new Error(`Unknown option --datadir. ${USAGE}`));
    // Without a positional handler, a bare word is an unknown option too.
    expect(() => run(['backup.db'])).toThrow(new Error(`Unknown option backup.db. ${USAGE}`));
    // Names an object has of its own accord are not options.
    for (const name of ['constructor', '__proto__', 'toString']) expect(() => run([name, 'x'])).toThrow(`Unknown option ${name}.`);
  });

  it('accepts --name=value only for the options listed as inline, an empty value included', () => {
    expect(run(['--port=4300', '--data-dir=a=b'], { inline: ['--port', '--data-dir'] })).toEqual(['port=4300', 'data-dir=a=b']);
    expect(run(['--port='], { inline: ['--port'] })).toEqual(['port=']);
    expect(() => run(['--data-dir=d'], { inline: ['--port'] })).toThrow(new Error(`Unknown option --data-dir=d. ${USAGE}`));
    expect(() => run(['--port=1'])).toThrow(new Error(`Unknown option --port=1. ${USAGE}`));
    expect(() => run(['-p=1'], { inline: ['--port'] })).toThrow(new Error(`Unknown option -p=1. ${USAGE}`));
  });

  it('gives arguments that do not start with -- to the positional handler, which may refuse them itself', () => {
    const files: string[] = [];
    const positional = (a: string) => {
      if (files.length) throw new Error(`Give one backup file. ${USAGE}`);
      files.push(a);
    };
    expect(run(['--port', '1', 'backup.db', '--data-dir', 'd'], { positional })).toEqual(['port=1', 'data-dir=d']);
    expect(files).toEqual(['backup.db']);
    expect(() => run(['second.db'], { positional })).toThrow(new Error(`Give one backup file. ${USAGE}`));
    // An unknown --option is still refused as one, not taken for a file.
    expect(() => run(['--force'], { positional: () => undefined })).toThrow(new Error(`Unknown option --force. ${USAGE}`));
  });
});

describe("the tools' own words, unchanged", () => {
  it('npm run store-key, npm run restore and npm run serve say what they always said', async () => {
    const { storeKeyReport } = await import('./store-key-cli');
    const { restore } = await import('./restore');
    const { parseServeArgs } = await import('./cli');
    const storeKey = 'Usage: npm run store-key -- [--data-dir D] --passphrase-file F';
    expect(() => storeKeyReport(['--data-dir'])).toThrow(new Error(`--data-dir needs a value. ${storeKey}`));
    expect(() => storeKeyReport(['--passphrase', 'f'])).toThrow(new Error(`Unknown option --passphrase. ${storeKey}`));
    expect(() => storeKeyReport(['copy.db'])).toThrow(new Error(`Unknown option copy.db. ${storeKey}`));
    const restoreUsage = 'Usage: npm run restore -- BACKUP_OR_EXPORT_FILE [--data-dir D] [--passphrase-file F] [--export-passphrase-file E]';
    expect(() => restore(['a.db', '--export-passphrase-file'])).toThrow(new Error(`--export-passphrase-file needs a value. ${restoreUsage}`));
    expect(() => restore(['a.db', '--data-dir=d'])).toThrow(new Error(`Unknown option --data-dir=d. ${restoreUsage}`));
    expect(() => restore(['a.db', 'b.db'])).toThrow(new Error(`Give one backup file. ${restoreUsage}`));
    expect(() => restore(['--data-dir', 'd'])).toThrow(new Error(`Name the backup file to restore. ${restoreUsage}`));
    expect(() => parseServeArgs(['--port'])).toThrow(new Error('--port needs a value'));
    expect(() => parseServeArgs(['--prot', '1'])).toThrow(/^Unknown option --prot\. Usage: npm run serve -- --port P --data-dir D \[--host 127\.0\.0\.1\]/);
    expect(() => parseServeArgs(['--host=h'])).toThrow(/^Unknown option --host=h\. Usage: npm run serve/);
    const serve = parseServeArgs(['-p', '4300', '--data-dir=rel/d', '--passphrase-file=p', '--cipher=sqlcipher-4', '--host', 'h', '--static-dir', 's']);
    expect(serve).toMatchObject({ port: 4300, host: 'h', dataDir: path.resolve('rel/d'), staticDir: path.resolve('s'), passphraseFile: path.resolve('p'), cipher: 'sqlcipher-4' });
    expect(parseServeArgs(['--port=0']).port).toBe(0);
    expect(() => parseServeArgs(['--port', '70000'])).toThrow('--port must be a number from 0 to 65535');
  });
});

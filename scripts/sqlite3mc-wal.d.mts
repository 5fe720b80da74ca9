// Types for scripts/sqlite3mc-wal.mjs, so the unit tests import it type-checked.
export declare const VERSION_MARK: string;
export declare function patchSource(source: string): string;
export declare function builtVersion(): string | null;

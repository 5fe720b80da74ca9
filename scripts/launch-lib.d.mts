// Types for the pure parts of scripts/launch-lib.mjs, so the unit tests import them type-checked.
export declare const ROOT: string;
export declare const DEFAULT_PORT: number;

export interface StartArgs {
  dataDir: string | null;
  port: number | null;
  browser: boolean;
  build: boolean;
  help?: boolean;
}
export declare function parseStartArgs(argv: readonly string[]): StartArgs;

export interface ServeArgs {
  hostArgs: string[];
  build: boolean;
  port: number | null;
}
export declare function parseServeArgs(argv: readonly string[]): ServeArgs;

export declare function rendererNeedsBuild(builtAt: number | null, newestSourceAt: number): boolean;

export declare function locateElectron(o: {
  pkgDir: string | null;
  env: Readonly<Record<string, string | undefined>>;
  platform: string;
  exists: (p: string) => boolean;
  readText: (p: string) => string;
}): { path: string } | { reason: string };

export declare function fallbackMessage(reason: string): string;

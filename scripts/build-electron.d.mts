// Types for scripts/build-electron.mjs, imported by the bundle test.
export declare function buildElectron(opts?: { minify?: boolean; quiet?: boolean; outdir?: string }): Promise<{ main: number; preload: number; calls: number }>;

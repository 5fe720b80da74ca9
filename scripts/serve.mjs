// `npm run serve -- --port P --data-dir D [--host H] [--no-build]`: always runs the browser host
// (the real main-process code under Node, on loopback), building the console first if it is missing.
import { ensureRenderer, parseServeArgs, runHost } from './launch-lib.mjs';

try {
  const args = parseServeArgs(process.argv.slice(2));
  if (args.build) ensureRenderer({ whenStale: false });
  runHost(args.hostArgs);
} catch (e) {
  console.error(`Outpost could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}

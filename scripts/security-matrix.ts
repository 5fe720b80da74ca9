// Prints the authorisation matrix a real server answers (see src/server/testing/matrix.ts), as the
// table docs/security.md holds. `--reasons` also lists why each refused op was refused.
import { runMatrix, toMarkdown } from '../src/server/testing/matrix';
import { startTestServer } from '../src/server/testing/server';

const server = await startTestServer({ pgUrl: process.env.DATABASE_URL });
try {
  const m = await runMatrix(server);
  console.log(toMarkdown(m));
  if (process.argv.includes('--reasons')) for (const c of m.cells) for (const [k, r] of Object.entries(c.reasons)) console.log(`${c.entity} ${c.role} ${c.place} ${k}: ${r}`);
} finally {
  await server.close();
}

// After `npm install` / `npm ci`: generates every service's Prisma client when the Prisma CLI is
// installed (a development install). A production install (`npm ci --omit=dev`) has no Prisma
// CLI and needs no generated clients: the build (dist/, see scripts/build.ts) carries them.
// Plain JavaScript: it runs before anything else is installed or built.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

try {
  createRequire(import.meta.url).resolve('prisma/package.json');
} catch {
  console.log('postinstall: no Prisma CLI (production install); the build carries the generated clients');
  process.exit(0);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['run', 'generate'], { stdio: 'inherit' });
process.exit(result.status ?? 1);

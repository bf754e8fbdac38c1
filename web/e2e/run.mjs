// Entry point for tools/run-tests.sh: runs the browser scenarios with node's test runner, one
// at a time, and exits with its status. The environment is described in lib.mjs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const scenarios = fileURLToPath(new URL('./scenarios.test.mjs', import.meta.url));
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', scenarios], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);

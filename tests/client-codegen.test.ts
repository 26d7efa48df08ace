import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// jest's global setup has built dist/ (scripts included) from the current sources.
const CODEGEN = join(__dirname, '..', 'dist', 'scripts', 'codegen.js');

describe('client/src/generated', () => {
  it('is what `npm run codegen` makes from schema.graphql and the client operations now', () => {
    const run = spawnSync(process.execPath, [CODEGEN, '--check'], { encoding: 'utf8' });
    // On a difference: run `npm run codegen` and commit the result.
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

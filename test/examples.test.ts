import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

// The README's examples import 'noclobber' itself, which resolves to the built package.
beforeAll(() => {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}, 120_000);

const expectations: Record<string, RegExp[]> = {
  'quick-start.ts': [/expected revision 1, found 2/, /\[ 'apple', 'pear' \] version 3/],
  'sessions.ts': [
    /accounts\/alice: expected revision 2, found 3/,
    /nothing was written: 71/,
    /dirty-tracked save: 80/,
  ],
  'checks.ts': [
    /expected the condition to hold/,
    /stale projection written\? false/,
    /ConcurrencyError/,
  ],
};

describe('examples', () => {
  const files = readdirSync(new URL('../examples/', import.meta.url)).filter((f) =>
    f.endsWith('.ts'),
  );

  it('every example has expectations', () => {
    expect(files.sort()).toEqual(Object.keys(expectations).sort());
  });

  for (const file of files) {
    it(`${file} runs and prints what the README says`, () => {
      const output = execFileSync('npx', ['tsx', `examples/${file}`], { encoding: 'utf8' });
      for (const pattern of expectations[file] ?? []) expect(output).toMatch(pattern);
    });
  }
});

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

// The README's examples import 'noclobber' itself, which resolves to the built package.
beforeAll(() => {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}, 120_000);

const expectations: Record<string, RegExp[]> = {
  'queries.ts': [
    /B's save: .*expected revision 1, found 2/,
    /second C-107: UNIQUE_CONSTRAINT, held by s-7/,
    /indexes used: \[ 'customer\+status' \]/,
    /\[ \[ 250, 220, 190, 130 \], \[ 100, 75, 10 \] \]/,
    /open over 200: 8/,
    /marked paid: 8; still open for cust-2: 0/,
  ],
  'offline-merge.ts': [
    /saved offline: queued/,
    /replayed: 1 saved, 0 conflicts/,
    /status: 'paid',\s+note: 'gift wrap',\s+lines: \[ \{ sku: 'tea', qty: 3 \} \]/,
    /revision 3 parents: \[ 1, 2 \]/,
    /conflict: EDIT_CONFLICT mine cancelled theirs shipped/,
  ],
  'quick-start.ts': [/expected revision 1, found 2/, /\[ 'apple', 'pear' \] version 3/],
  'sessions.ts': [
    /accounts\/alice: expected revision 2, found 3/,
    /nothing was written: 71/,
    /dirty-tracked save: 80/,
  ],
  'strategy-expected-version.ts': [/CONCURRENCY_CONFLICT: expected 1, found 2/, /\[ 'Coffee' \]/],
  'strategy-timestamp.ts': [
    /expected no change since .*, but it was modified at .* \(revision 3\)/,
    /Edited elsewhere/,
  ],
  'strategy-automatic-retry.ts': [/sku: 'cake'/, /sku: 'coffee'/, /shippingAddress: '1 Main St'/],
  'strategy-token.ts': [/stale form: ConcurrencyError/, /fresh form: My edit/],
  'strategy-revision.ts': [/after insert: 1/, /after update: 2/, /written\? false 7/],
  'strategy-conditional.ts': [/expected the condition to hold/, /note: 'leave at the door'/],
  'strategy-last-write-wins.ts': [/^dark$/m, /DuplicateDocumentError/],
  'resolvers.ts': [
    /threeWayMerge .*"cake".*"owner":"ben","coupon":"SPRING"/,
    /MergeConflictError: .* both changed owner/,
    /additiveMerge .*"cake".*"coffee"/,
    /lastWriteWins .*"coupon":"MINE"/,
    /firstWriteWins ConcurrencyError/,
  ],
  'observability.ts': [
    /conflict counters\/c attempt 1: expected 1, found 2/,
    /gave up after 2 attempts/,
  ],
  'contention.ts': [/'none': n = 50, conflicts = [1-9]/, /'queue': n = 50, conflicts = 0/],
  'event-sourcing.ts': [
    /items: \[ 'tea', 'cake', 'jam' \]/,
    /status: 'shipped'/,
    /version: 4/,
    /stream order-1: expected version 3, found version 4/,
    /order-2 at version 1 total 5/,
    /5 order-2@1 ItemAdded/,
  ],
  'orders-api/race.ts': [
    /2 concurrent updates:\n {2}client {2}1: 200 updated on attempt 1\n {2}client {2}2: 200 updated on attempt 2/,
    /10 concurrent updates:/,
    /409 Conflict after 3 attempts/,
    /no update lost/,
    /versions: 1 \+ 2 \+ [0-9]+ = [0-9]+/,
  ],
  'checks.ts': [
    /expected the condition to hold/,
    /stale projection written\? false/,
    /ConcurrencyError/,
  ],
};

describe('examples', () => {
  const files = readdirSync(new URL('../examples/', import.meta.url), { recursive: true })
    .map(String)
    // Servers and browser scripts (test/browser runs those) print nothing to compare.
    .filter((f) => f.endsWith('.ts') && !f.endsWith('server.ts') && !f.endsWith('.browser.ts'));

  it('every example has expectations', () => {
    expect(files.sort()).toEqual(Object.keys(expectations).sort());
  });

  for (const file of files) {
    it(`${file} runs and prints what the README says`, () => {
      const output = execFileSync('npx', ['tsx', `examples/${file}`], { encoding: 'utf8' });
      for (const pattern of expectations[file] ?? []) expect(output).toMatch(pattern);
      // Every accepted update is one version: the arithmetic line must add up.
      const sum = /versions: 1 \+ ([0-9]+) \+ ([0-9]+) = ([0-9]+)/.exec(output);
      if (sum) expect(1 + Number(sum[1]) + Number(sum[2])).toBe(Number(sum[3]));
    });
  }
});

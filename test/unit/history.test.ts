import { describe, expect, it } from 'vitest';
import { checkHistory, type FinalState, History, type Model } from '../../src/testing/index.js';

// The model of the race tests: each write appends its tag to a log.
const log: Model<string[], string> = { apply: (state, tag) => [...(state ?? []), tag] };
const finals = (revision: number, state: string[] | undefined) =>
  new Map<string, FinalState<string[]> | null>([['k', { revision, state }]]);

function write(history: History<string>, tag: string, base: number, revision: number) {
  history.invoke('p', 'k', tag, base).ok({ revision, base });
}

describe('checkHistory', () => {
  it('accepts a history whose accepted writes make the final state in order', () => {
    const history = new History<string>();
    write(history, 'a', 0, 1);
    write(history, 'b', 1, 2);
    history.invoke('q', 'k', 'c').fail(new Error('conflict'));
    write(history, 'd', 2, 3);
    const result = checkHistory(history, finals(3, ['a', 'b', 'd']), log);
    expect(result).toMatchObject({ valid: true, violations: [], counts: { ok: 3, fail: 1 } });
  });

  it('finds two writes claiming one revision, and a write made on a stale revision', () => {
    const history = new History<string>();
    write(history, 'a', 0, 1);
    write(history, 'b', 1, 2);
    write(history, 'c', 1, 2);
    write(history, 'd', 1, 3);
    const kinds = checkHistory(history, finals(3, ['a', 'c', 'd']), log).violations.map(
      (v) => v.kind,
    );
    expect(kinds).toContain('duplicate-revision');
    expect(kinds).toContain('lost-update');
  });

  it('finds a final state that lost an accepted write', () => {
    const history = new History<string>();
    write(history, 'a', 0, 1);
    write(history, 'b', 1, 2);
    const result = checkHistory(history, finals(2, ['b']), log);
    expect(result.valid).toBe(false);
    expect(result.violations[0]).toMatchObject({ kind: 'final-state', key: 'k' });
    expect(result.violations[0]?.operations.map((op) => op.value)).toEqual(['a', 'b']);
  });

  it('an unknown operation may fill one gap, once; a gap nothing explains is a violation', () => {
    const history = new History<string>();
    write(history, 'a', 0, 1);
    history.invoke('q', 'k', 'u').unknown(new Error('connection lost'));
    write(history, 'c', 2, 3);
    expect(checkHistory(history, finals(3, ['a', 'u', 'c']), log).valid).toBe(true);
    // Applied twice: the log shows it twice, which no single landing explains.
    const twice = checkHistory(history, finals(4, ['a', 'u', 'c', 'u']), log);
    expect(twice.violations.map((v) => v.kind)).toEqual(['gap', 'final-state']);
    const unexplained = new History<string>();
    write(unexplained, 'a', 0, 1);
    write(unexplained, 'c', 2, 3);
    expect(checkHistory(unexplained, finals(3, ['a', 'x', 'c']), log).violations[0]).toMatchObject({
      kind: 'gap',
    });
  });

  it('finds a final revision below an accepted one, and operations left pending', () => {
    const history = new History<string>();
    write(history, 'a', 0, 1);
    write(history, 'b', 1, 2);
    history.invoke('p', 'k', 'never ends');
    const kinds = checkHistory(history, finals(1, ['a']), log).violations.map((v) => v.kind);
    expect(kinds).toEqual(expect.arrayContaining(['pending', 'final-revision']));
  });
});

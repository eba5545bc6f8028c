import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneJson, isRecord, type Json, jsonEqual, setOwn } from '../../src/concurrency/merge.js';
import { arrayIndex, childAt, parsePointer } from '../../src/concurrency/patch/pointer.js';
import {
  applyJsonPatch,
  applyMergePatch,
  documentPatcher,
  type JsonPatchOperation,
  type MergePatch,
  validateJsonPatch,
} from '../../src/concurrency/patch.js';
import { InvalidPatchError, PatchTestFailedError } from '../../src/core/errors.js';
import { PatchTooLargeError } from '../../src/index.js';

// The straightforward implementations the patch code must agree with: clone everything,
// then change the clone in place. Correct and simple, and exponential on hostile patches.
const reference = {
  merge(target: Json | undefined, patch: Json): Json {
    if (!isRecord(patch)) return cloneJson(patch);
    const out: Record<string, Json> = isRecord(target) ? cloneJson(target) : {};
    for (const key of Object.keys(patch)) {
      const value = patch[key] as Json;
      if (value === null) delete out[key];
      else setOwn(out, key, reference.merge(Object.hasOwn(out, key) ? out[key] : undefined, value));
    }
    return out;
  },

  /** Applies `patch` and reports the document's JSON bytes after every operation. */
  json(document: Json, patch: readonly JsonPatchOperation[], sizes: number[] = []): Json {
    let root = cloneJson(document);
    const read = (path: string[], shown: string) => {
      let node: Json = root;
      for (const segment of path) {
        const next = childAt(node, segment);
        if (next === undefined) throw new InvalidPatchError(`Nothing at ${shown}`);
        node = next;
      }
      return node;
    };
    const put = (path: string[], value: Json, op: 'add' | 'replace', shown: string) => {
      if (path.length === 0) {
        root = value;
        return;
      }
      const parent = read(path.slice(0, -1), shown);
      const last = path.at(-1) as string;
      if (Array.isArray(parent)) {
        if (op === 'add' && last === '-') parent.push(value);
        else {
          const index = arrayIndex(last, op === 'add' ? parent.length : parent.length - 1);
          if (index === undefined) throw new InvalidPatchError(`No array index ${last}`);
          if (op === 'add') parent.splice(index, 0, value);
          else parent[index] = value;
        }
      } else if (isRecord(parent)) setOwn(parent, last, value);
      else throw new InvalidPatchError(`Cannot set a field inside a scalar at ${shown}`);
    };
    const remove = (path: string[], shown: string) => {
      if (path.length === 0) throw new InvalidPatchError('Cannot remove the whole document');
      read(path, shown);
      const parent = read(path.slice(0, -1), shown);
      const last = path.at(-1) as string;
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete (parent as Record<string, Json>)[last];
    };
    for (const operation of patch) {
      const path = parsePointer(operation.path, 'path');
      if (operation.op === 'test') {
        if (!jsonEqual(read(path, operation.path), operation.value))
          throw new PatchTestFailedError(operation.path);
      } else if (operation.op === 'add') put(path, cloneJson(operation.value), 'add', '');
      else if (operation.op === 'replace') {
        read(path, operation.path);
        put(path, cloneJson(operation.value), 'replace', '');
      } else if (operation.op === 'remove') remove(path, operation.path);
      else if (operation.op === 'move' || operation.op === 'copy') {
        const from = parsePointer(operation.from, 'from');
        const value = cloneJson(read(from, operation.from));
        if (operation.op === 'move') {
          if (path.length > from.length && from.every((s, i) => s === path[i]))
            throw new InvalidPatchError('Cannot move into its own child');
          remove(from, operation.from);
        }
        put(path, value, 'add', operation.path);
      }
      sizes.push(Buffer.byteLength(JSON.stringify(root)));
    }
    return root;
  },
};

// Few keys and short arrays, so that random pointers find something most of the time.
const key = fc.constantFrom('a', 'b', 'c', 'd~/');
const scalar = fc.oneof(
  fc.integer({ min: -50, max: 50 }),
  fc.string({ maxLength: 4 }),
  fc.constantFrom(true, false, null, 'é€😀', '"\\\n\u0001'),
);
const { object, value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    tie('object'),
    fc.array(tie('value'), { maxLength: 3 }),
  ),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
}));
const json = value as fc.Arbitrary<Json>;
const document = object as fc.Arbitrary<Record<string, Json>>;
const segment = fc.oneof(key, fc.constantFrom('0', '1', '2', '-', '01'));
const pointer = fc
  .array(segment, { maxLength: 3 })
  .map((path) => path.map((s) => `/${s.replaceAll('~', '~0').replaceAll('/', '~1')}`).join(''));
const operation: fc.Arbitrary<JsonPatchOperation> = fc.oneof(
  fc.record({ op: fc.constantFrom('add', 'replace', 'test'), path: pointer, value: json }),
  fc.record({ op: fc.constant('remove'), path: pointer }),
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constantFrom('move', 'copy'), from: pointer, path: pointer }),
  },
) as fc.Arbitrary<JsonPatchOperation>;
const jsonPatch = fc.array(operation, { maxLength: 12 });
const mergePatch = fc.letrec((tie) => ({
  patch: fc.dictionary(
    key,
    fc.oneof({ depthSize: 'small' }, fc.constant(null), json, tie('patch')),
    { maxKeys: 4 },
  ),
})).patch as fc.Arbitrary<MergePatch>;

type Outcome = { ok: string } | { error: string };
const outcome = (run: () => Json): Outcome => {
  try {
    return { ok: JSON.stringify(run()) };
  } catch (error) {
    return { error: (error as Error).constructor.name };
  }
};

// Every object and array of `value`, each once; a second sighting is a shared one.
function containers(value: Json, into = new Set<object>(), shared: object[] = []) {
  if (typeof value !== 'object' || value === null) return { into, shared };
  if (into.has(value)) shared.push(value);
  into.add(value);
  for (const item of Object.values(value)) containers(item, into, shared);
  return { into, shared };
}

// The result is a tree of its own: nothing shared inside it, nothing of `others` in it.
function expectFresh(result: Json, others: readonly Json[]) {
  const mine = containers(result);
  expect(mine.shared).toEqual([]);
  for (const other of others) {
    for (const node of containers(other).into) expect(mine.into.has(node)).toBe(false);
  }
}

describe('JSON Patch with shared, copied-on-write values', () => {
  it('gives what the straightforward implementation gives, and leaves its inputs alone', () => {
    fc.assert(
      fc.property(document, jsonPatch, (doc, patch) => {
        const before = JSON.stringify([doc, patch]);
        const expected = outcome(() => reference.json(doc, patch));
        let result: Json | undefined;
        expect(outcome(() => (result = applyJsonPatch(doc, patch)))).toEqual(expected);
        expect(JSON.stringify([doc, patch])).toBe(before);
        if (result !== undefined) expectFresh(result, [doc, patch as unknown as Json]);
      }),
      { numRuns: 3000 },
    );
  });

  it('does the same on a document it may take over, sharing nothing with the patch', () => {
    fc.assert(
      fc.property(document, jsonPatch, (doc, patch) => {
        const expected = outcome(() => reference.json(doc, patch));
        const apply = documentPatcher(patch, { idField: 'id' });
        let result: Json | undefined;
        const got = outcome(() => (result = apply(cloneJson(doc)) as Json));
        if ('ok' in expected && !isRecord(JSON.parse(expected.ok))) {
          expect(got).toEqual({ error: 'InvalidPatchError' });
          return;
        }
        expect(got).toEqual(expected);
        if (result !== undefined) expectFresh(result, [patch as unknown as Json]);
      }),
      { numRuns: 3000 },
    );
  });

  it('is refused at the operation that makes the document pass maxDocumentBytes', () => {
    fc.assert(
      fc.property(document, jsonPatch, fc.integer({ min: 2, max: 300 }), (doc, patch, max) => {
        const sizes: number[] = [];
        const expected = outcome(() => reference.json(doc, patch, sizes));
        const start = Buffer.byteLength(JSON.stringify(doc));
        const passed = sizes.findIndex((size, i) => size > max && size > (sizes[i - 1] ?? start));
        const limits = { maxDocumentBytes: max };
        if (passed === -1) {
          expect(outcome(() => applyJsonPatch(doc, patch, limits))).toEqual(expected);
          return;
        }
        const error = outcome(() => applyJsonPatch(doc, patch.slice(0, passed + 1), limits));
        expect(error).toEqual({ error: 'PatchTooLargeError' });
        expect(() => applyJsonPatch(doc, patch.slice(0, passed), limits)).not.toThrow();
        try {
          applyJsonPatch(doc, patch.slice(0, passed + 1), limits);
        } catch (thrown) {
          expect(thrown).toMatchObject({
            code: 'PATCH_TOO_LARGE',
            limit: 'maxDocumentBytes',
            max,
            actual: sizes[passed],
          });
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves the version field, which is not stored, out of the size', () => {
    const doc = { id: 'd', version: 12345, text: 'x'.repeat(20) };
    const stored = Buffer.byteLength(JSON.stringify({ id: 'd', text: 'x'.repeat(20) }));
    const patch: JsonPatchOperation[] = [{ op: 'add', path: '/n', value: 1 }];
    const grown = stored + ',"n":1'.length;
    const patcher = (max: number) =>
      documentPatcher(patch, { idField: 'id', versionField: 'version' }, { maxDocumentBytes: max });
    expect(patcher(grown)({ ...doc })).toMatchObject({ n: 1 });
    expect(() => patcher(grown - 1)({ ...doc })).toThrow(PatchTooLargeError);
  });

  it('refuses 30 copies of the document into itself at the copy that passes the limit', () => {
    const doc: Record<string, Json> = { id: 'd', text: 'x'.repeat(1000) };
    const attack = Array.from({ length: 30 }, (_, i) => ({
      op: 'copy' as const,
      from: '',
      path: `/x${i}`,
    }));
    const error = (() => {
      try {
        documentPatcher(attack, { idField: 'id' })({ ...doc });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(PatchTooLargeError);
    expect(error).toMatchObject({ limit: 'maxDocumentBytes', max: 16 * 1024 * 1024 });
    // Each copy doubles the document: 1 KB passes 16 MiB at the 14th.
    const sizes: number[] = [];
    reference.json(doc, attack.slice(0, 14), sizes);
    expect(sizes[12]).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect((error as PatchTooLargeError).actual).toBe(sizes[13]);
  });

  it('takes at most maxPatchOperations operations (1,000 unless told)', () => {
    const ops = (n: number) =>
      Array.from({ length: n }, () => ({ op: 'test' as const, path: '', value: {} }));
    expect(() => validateJsonPatch(ops(1000))).not.toThrow();
    expect(() => validateJsonPatch(ops(1001))).toThrow(PatchTooLargeError);
    expect(() => validateJsonPatch(ops(11), { maxPatchOperations: 10 })).toThrow(
      expect.objectContaining({ code: 'PATCH_TOO_LARGE', limit: 'maxPatchOperations', actual: 11 }),
    );
    expect(() => applyJsonPatch({}, ops(3), { maxPatchOperations: 2 })).toThrow(PatchTooLargeError);
  });
});

describe('merge patch copying only what it changes', () => {
  it('gives what the straightforward implementation gives, and leaves its inputs alone', () => {
    fc.assert(
      fc.property(document, mergePatch, (doc, patch) => {
        const before = JSON.stringify([doc, patch]);
        const result = applyMergePatch(doc, patch);
        expect(JSON.stringify(result)).toBe(JSON.stringify(reference.merge(doc, patch)));
        expect(JSON.stringify([doc, patch])).toBe(before);
        expectFresh(result, [doc, patch]);
        const taken = documentPatcher(patch, { idField: 'id' })(cloneJson(doc)) as Json;
        expect(JSON.stringify(taken)).toBe(JSON.stringify(result));
        expectFresh(taken, [patch]);
      }),
      { numRuns: 3000 },
    );
  });

  it('is refused when the result passes maxDocumentBytes, not when it shrinks', () => {
    fc.assert(
      fc.property(document, mergePatch, fc.integer({ min: 2, max: 200 }), (doc, patch, max) => {
        const size = (v: Json) => Buffer.byteLength(JSON.stringify(v));
        const merged = reference.merge(doc, patch);
        const refused = size(merged) > max && size(merged) > size(doc);
        const run = () => applyMergePatch(doc, patch, { maxDocumentBytes: max });
        if (refused) expect(run).toThrow(expect.objectContaining({ actual: size(merged), max }));
        else expect(JSON.stringify(run())).toBe(JSON.stringify(merged));
      }),
      { numRuns: 2000 },
    );
  });

  it('merges 124 levels deep', () => {
    let doc: Record<string, Json> = { leaf: 0 };
    let patch: Record<string, Json> = { leaf: 1 };
    for (let i = 0; i < 124; i++) {
      doc = { payload: 'p'.repeat(100), c: doc };
      patch = { c: patch };
    }
    expect(JSON.stringify(applyMergePatch(doc, patch))).toBe(
      JSON.stringify(reference.merge(doc, patch)),
    );
  });
});

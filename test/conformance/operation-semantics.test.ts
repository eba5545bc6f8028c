import fc from 'fast-check';
import { expect, it } from 'vitest';
import { applyOperations } from '../../src/concurrency/apply-operations.js';
import { type NormalizedOperation, normalizeOperations } from '../../src/concurrency/operations.js';
import { OperationTypeError } from '../../src/index.js';
import { document } from '../support/condition-arbitraries.js';
import { EDGE_DOCUMENTS, operationsOver } from '../support/operation-arbitraries.js';
import { openOperationProbe } from '../support/operation-probe.js';
import { describeConformance } from './fixture.js';

// One seed for the documents and the operations: set OPERATION_SEED to replay a failure.
const SEED = Number(process.env.OPERATION_SEED ?? Math.floor(Math.random() * 2 ** 31));
const DOCUMENTS = 150;
const RUNS = 250;

// The same JSON whatever the order of keys (PostgreSQL's jsonb reorders them).
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

// What the reference makes of a document: its new JSON, or 'type error'.
function expected(body: Record<string, unknown>, operations: NormalizedOperation[]): string {
  try {
    return canonical(JSON.parse(JSON.stringify(applyOperations(body, operations))));
  } catch (error) {
    if (error instanceof OperationTypeError) return 'type error';
    throw error;
  }
}

describeConformance('operation semantics', (fixture) => {
  it('the compiled SQL of random operations agrees with the reference on every document', async () => {
    const { config } = fixture();
    const generated = [
      ...EDGE_DOCUMENTS,
      ...fc.sample(document, { numRuns: DOCUMENTS, seed: SEED }),
    ];
    const bodies = new Map(generated.map((doc, i) => [`d${i}`, JSON.parse(JSON.stringify(doc))]));
    const probe = openOperationProbe(config);
    await probe.load(bodies);
    const outcomes = { cases: 0, typeErrors: 0 };
    try {
      await fc.assert(
        fc.asyncProperty(operationsOver([...bodies.values()]), async (given) => {
          const operations = normalizeOperations(given);
          const answers = await probe.apply(operations);
          for (const [id, body] of bodies) {
            const want = expected(body, operations);
            const answer = answers.get(id);
            const got =
              answer === null || answer === undefined
                ? 'type error'
                : canonical(JSON.parse(answer));
            outcomes.cases++;
            if (want === 'type error') outcomes.typeErrors++;
            if (got !== want) {
              throw new Error(
                `seed ${SEED}: ${JSON.stringify(given)} on ${id} ${JSON.stringify(body)}: the reference says ${want}, the database ${got}`,
              );
            }
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
    } finally {
      await probe.close();
    }
    expect(outcomes.cases).toBeGreaterThanOrEqual(20_000);
    // Both outcomes are exercised, not only one.
    expect(outcomes.typeErrors).toBeGreaterThan(outcomes.cases / 20);
    expect(outcomes.typeErrors).toBeLessThan(outcomes.cases * 0.95);
  });
});

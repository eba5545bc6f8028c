import fc from 'fast-check';
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { numberInFull } from '../../src/core/numbers-in-full.js';

it('PostgreSQL prints every number of a jsonb document as numberInFull writes it', async () => {
  const client = new pg.Client({ connectionString: inject('postgresUrl') });
  await client.connect();
  try {
    const numbers = [
      1e308,
      -1.7976931348623157e308,
      5e-324,
      1e21,
      1e-7,
      ...fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), 5_000),
    ];
    const { rows } = await client.query<{ n: string }>(
      'SELECT value::text AS n FROM jsonb_array_elements($1::text::jsonb) WITH ORDINALITY ORDER BY ordinality',
      [JSON.stringify(numbers)],
    );
    expect(rows.map((r) => r.n)).toEqual(numbers.map(numberInFull));
  } finally {
    await client.end();
  }
});

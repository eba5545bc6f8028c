/** A ~300-byte document, the unit of every workload. */
export interface BenchDoc {
  id: string;
  n: number;
  customer: { name: string; email: string; tier: string };
  lines: { sku: string; qty: number; price: number }[];
  note: string;
}

export function makeDoc(i: number): BenchDoc {
  return {
    id: `doc-${i}`,
    n: 0,
    customer: { name: `Customer ${i}`, email: `customer${i}@example.com`, tier: 'gold' },
    lines: [
      { sku: `sku-${i}-a`, qty: 1, price: 9.99 },
      { sku: `sku-${i}-b`, qty: 2, price: 19.5 },
    ],
    note: 'x'.repeat(120),
  };
}

/** A fixed pseudo-random sequence, so both sides touch the same ids in the same order. */
export function randomIds(count: number, docs: number, seed = 42): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % docs;
  });
}

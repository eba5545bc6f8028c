import type { DocumentStore } from '../../src/index.js';

/** The order document most tests use. */
export interface Order {
  id: string;
  status: string;
  total: number;
  lines: { sku: string; qty: number }[];
  customer?: { name: string; tier?: string };
  version?: number;
}

/** A document the race tests increment: `log` lists every accepted write's tag in order. */
export interface Counter {
  id: string;
  n: number;
  log: string[];
  version?: number;
}

/** Declares the collections the suite uses on a store (the same options on every store). */
export function collections(store: DocumentStore) {
  return {
    orders: store.collection<Order>('orders', { versionField: 'version' }),
    tokened: store.collection<Order>('tokened', { version: 'token', versionField: 'version' }),
    counters: store.collection<Counter>('counters', { versionField: 'version' }),
  };
}

/** A new order with sensible defaults. */
export function order(id: string, fields: Partial<Order> = {}): Order {
  return { id, status: 'pending', total: 10, lines: [], ...fields };
}

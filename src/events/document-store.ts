import { contextOf, DocumentStoreBase } from '../store/document-store.js';
import { EventStore } from './event-store.js';

// Each store's event streams, made on first use (a getter, so the class holds no field
// that changes its shape for users).
const streams = new WeakMap<DocumentStore, EventStore>();

/**
 * The entry point: declares collections, runs one-call operations, opens sessions, and
 * holds event streams (`events`). Every write carries exactly one check; none overwrites
 * a document by accident.
 *
 * @example
 * const store = new DocumentStore({ backend: new SqliteBackend({ filename: 'app.db' }) });
 * const orders = store.collection<Order>('orders', { versionField: 'version' });
 * await store.insert(orders, { id: 'o-1', lines: [] });
 * await store.update(orders, 'o-1', (order) => { order.lines.push(line); });
 */
export class DocumentStore extends DocumentStoreBase {
  /** Event streams of this store's tenant: appends, reads, aggregates, commands, projections. */
  get events(): EventStore {
    let found = streams.get(this);
    if (!found) {
      found = new EventStore(contextOf(this));
      streams.set(this, found);
    }
    return found;
  }
}

// The page's script, bundled for the browser by server.ts (type-checked with the DOM library
// by this folder's tsconfig.json). It imports the client's source so
// the example runs from a checkout; an application imports 'noclobber/client'.
import {
  type ConflictError,
  createClient,
  hasIndexedDb,
  indexedDbQueue,
  memoryQueue,
  mergeConflict,
  type SyncReport,
  type Versioned,
} from '../../src/client/index.js';

interface Line {
  sku: string;
  qty: number;
}
interface Order {
  id: string;
  customer: string;
  note: string;
  lines: Line[];
}

// Lines are matched by SKU when merging, so edits to different lines both survive.
const MERGE = { identity: { lines: 'sku' } };

const $ = <E extends HTMLElement>(id: string) => document.getElementById(id) as E;

const client = createClient({
  baseUrl: '/api',
  queue: hasIndexedDb() ? indexedDbQueue('orders-web') : memoryQueue(),
  onSync: synced,
});
const orders = client.collection<Order>('orders');

let base: Versioned<Order> | null = null;
let draft: Order | null = null;
let conflict: ConflictError<Order> | null = null;

function say(text: string): void {
  $('status').textContent = text;
}

async function open(id: string): Promise<void> {
  base = await orders.get(id);
  draft = base ? structuredClone(base.document) : null;
  hideConflict();
  render();
  say('');
}

function render(): void {
  $('editor').hidden = draft === null;
  if (!draft || !base) return;
  $('order-id').textContent = draft.id;
  $('etag').textContent = base.etag;
  ($('note') as HTMLInputElement).value = draft.note;
  const rows = draft.lines.map((line) => {
    const row = document.createElement('tr');
    const qty = document.createElement('input');
    Object.assign(qty, { type: 'number', min: '0', value: String(line.qty) });
    qty.dataset.sku = line.sku;
    qty.addEventListener('input', () => {
      line.qty = Number(qty.value);
    });
    row.append(cell(line.sku), cell(qty));
    return row;
  });
  $('lines').replaceChildren(...rows);
}

function cell(content: string | Node): HTMLTableCellElement {
  const td = document.createElement('td');
  td.append(content);
  return td;
}

async function save(document: Order, from: Versioned<Order> | null): Promise<void> {
  try {
    const result = await orders.put(document, { base: from });
    if (result.status === 'queued') {
      say('Offline: saved on this device, it is sent when the connection is back.');
      return;
    }
    base = result;
    draft = structuredClone(result.document);
    hideConflict();
    render();
    say(`Saved as version ${result.etag}.`);
  } catch (error) {
    if ((error as ConflictError).code !== 'EDIT_CONFLICT') throw error;
    showConflict(error as ConflictError<Order>);
  }
}

function showConflict(found: ConflictError<Order>): void {
  conflict = found;
  $('conflict').hidden = false;
  $('mine').textContent = describe(found.mine);
  $('theirs').textContent = describe(found.theirs?.document ?? null);
  $('conflict-detail').textContent =
    `You started from version ${found.base?.etag}; it is now ${found.theirs?.etag ?? 'deleted'}.`;
  say('Not saved: the order changed meanwhile.');
}

const describe = (order: Order | null) =>
  order
    ? [...order.lines.map((l) => `${l.sku} × ${l.qty}`), `note: ${order.note || '—'}`].join('\n')
    : '(deleted)';

function hideConflict(): void {
  conflict = null;
  $('conflict').hidden = true;
}

async function merge(): Promise<void> {
  if (!conflict?.theirs) return;
  const theirs = conflict.theirs;
  const result = mergeConflict(conflict, MERGE);
  if (result.merged === null) return;
  if (!result.failed) return save(result.merged, theirs);
  // Both changed the same field: show the merge (theirs on those fields) for review.
  base = theirs;
  draft = result.merged;
  hideConflict();
  render();
  say(
    `Both changed ${result.conflicts.map((c) => c.path).join(', ')}: theirs kept there; check and save.`,
  );
}

// Replayed offline edits: the open order's conflict goes to the conflict view.
function synced(report: SyncReport): void {
  for (const found of report.conflicts as ConflictError<Order>[]) {
    if (found.id === draft?.id) showConflict(found);
  }
  for (const saved of report.saved) {
    if (saved.status === 'saved' && saved.id === draft?.id) {
      base = saved as Versioned<Order>;
      say(`Sent your offline edit: version ${saved.etag}.`);
      render();
    }
  }
}

async function follow(): Promise<void> {
  const listed = new Set<string>();
  for await (const change of orders.watch()) {
    const item = document.createElement('li');
    Object.assign(item.dataset, { id: change.id, etag: change.etag });
    item.textContent = `${change.id} → ${change.deleted ? 'deleted' : change.etag}: ${summary(change.document)}`;
    $('live').prepend(item);
    for (const old of $('live').querySelectorAll('li:nth-child(n+21)')) old.remove();
    if (!listed.has(change.id)) {
      listed.add(change.id);
      const button = document.createElement('button');
      button.textContent = change.id;
      button.dataset.id = change.id;
      button.addEventListener('click', () => void open(change.id));
      const entry = document.createElement('li');
      entry.append(button);
      $('orders').append(entry);
    }
  }
}

const summary = (order: Order | null) =>
  order
    ? order.lines.map((l) => `${l.qty}× ${l.sku}`).join(', ') +
      (order.note ? ` (${order.note})` : '')
    : '';

function network(): void {
  $('network').textContent = navigator.onLine ? 'online' : 'offline';
  $('network').className = navigator.onLine ? '' : 'offline';
}

$('note').addEventListener('input', () => {
  if (draft) draft.note = ($('note') as HTMLInputElement).value;
});
$('save').addEventListener('click', () => {
  if (draft) void save(structuredClone(draft), base);
});
$('add-line').addEventListener('click', () => {
  const sku = ($('new-sku') as HTMLInputElement).value.trim();
  if (!draft || sku === '' || draft.lines.some((l) => l.sku === sku)) return;
  draft.lines.push({ sku, qty: 1 });
  render();
});
$('merge').addEventListener('click', () => void merge());
$('discard').addEventListener('click', () => {
  if (conflict?.theirs) {
    base = conflict.theirs;
    draft = structuredClone(conflict.theirs.document);
  }
  hideConflict();
  render();
});
window.addEventListener('online', network);
window.addEventListener('offline', network);
network();
void follow();
void client.sync();
const first = new URLSearchParams(location.search).get('order');
if (first) void open(first);

import { InvalidPatchError, PatchTooLargeError } from '../../core/errors.js';
import { cloneJson, isRecord, type Json, setOwn } from '../merge.js';
import { arrayIndex, childAt } from './pointer.js';
import { bracketed, type Container, isContainer, SizeMeter } from './size.js';

/**
 * Who else may hold the patched document's input: `'private'` when the caller hands
 * over a document nobody else uses (the store's freshly loaded copy), so unchanged parts
 * are kept as they are; `'pure'` when the input stays the caller's and the result must
 * share nothing with it.
 */
export type Ownership = 'private' | 'pure';

/**
 * A document being patched, copied on write: a change copies only the containers on its
 * path (each once, then changed in place), and a copied value is shared, not cloned.
 * Sharing makes every operation cost its path, not the document; the size in bytes is
 * kept up to date along the same path, so growth is caught at the operation that
 * passes the limit. `result()` turns the shared tree back into a plain one.
 */
export class PatchTree {
  #root: Json;
  /** Containers this patch made and that exactly one place holds: changed in place. */
  readonly #owned = new WeakSet<object>();
  /**
   * Values from outside the input (the patch's own), or that more than one place may
   * hold: never kept as they are in the result. Whatever a marked container holds is
   * marked too, without a walk: an owned copy of one is `#inherited`, and the members it
   * did not change count as marked.
   */
  readonly #foreign = new WeakSet<object>();
  /** Owned copies of marked containers. */
  readonly #inherited = new WeakSet<object>();
  /** The owned copies hung into each owned container, so freezing one needs no scan. */
  readonly #ownedMembers = new WeakMap<object, Container[]>();
  readonly #meter = new SizeMeter();
  readonly #maxBytes: number;
  readonly #uncounted: string | undefined;

  /**
   * @param uncounted a top-level field that is not stored with the document (a
   *   collection's version field), left out of its size.
   */
  constructor(root: Json, maxBytes: number, uncounted?: string) {
    this.#root = root;
    this.#maxBytes = maxBytes;
    this.#uncounted = uncounted;
  }

  /** The value at `path`; `shown` is the pointer as the patch wrote it, for messages. */
  read(path: readonly string[], shown: string): Json {
    let node = this.#root;
    for (const segment of path) {
      const next = childAt(node, segment);
      if (next === undefined) throw new InvalidPatchError(`Nothing at ${shown}`);
      node = next;
    }
    return node;
  }

  /** RFC 6902 `add` (or `replace`, which needs the member to exist) of `value` at `path`. */
  put(path: readonly string[], value: Json, op: 'add' | 'replace', shown: string): void {
    if (path.length === 0) {
      this.#root = value;
      return;
    }
    const chain = this.#chain(path, shown);
    const parent = chain.at(-1) as Json;
    const last = path.at(-1) as string;
    let delta: number;
    let change: (owned: Container) => void;
    if (Array.isArray(parent)) {
      const append = op === 'add' && last === '-';
      const index = append
        ? parent.length
        : arrayIndex(last, op === 'add' ? parent.length : parent.length - 1);
      if (index === undefined) throw new InvalidPatchError(`No array index ${last} at ${shown}`);
      const m = this.#meter;
      delta = m.element(value) - (op === 'add' ? 0 : m.element(parent[index]));
      change = (owned) => {
        this.#hang(owned, value);
        if (op === 'replace') (owned as Json[])[index] = value;
        else if (append) (owned as Json[]).push(value);
        else (owned as Json[]).splice(index, 0, value);
      };
    } else if (isRecord(parent)) {
      const had = Object.hasOwn(parent, last) ? this.#meter.entry(last, parent[last]) : 0;
      delta = this.#meter.entry(last, value) - had;
      change = (owned) => {
        this.#hang(owned, value);
        setOwn(owned as Record<string, Json>, last, value);
      };
    } else {
      throw new InvalidPatchError(`Cannot set a field inside a scalar at ${shown}`);
    }
    this.#change(path, chain, delta, change);
  }

  /** RFC 6902 `remove` of the member at `path`. */
  remove(path: readonly string[], shown: string): void {
    if (path.length === 0) throw new InvalidPatchError('Cannot remove the whole document');
    const old = this.read(path, shown);
    const chain = this.#chain(path, shown);
    const last = path.at(-1) as string;
    const array = Array.isArray(chain.at(-1));
    const delta = -(array ? this.#meter.element(old) : this.#meter.entry(last, old));
    this.#change(path, chain, delta, (owned) => {
      if (Array.isArray(owned)) owned.splice(Number(last), 1);
      else delete owned[last];
    });
  }

  /**
   * Marks a value that is about to be held by one more place (a `copy`'s source, a
   * patch's value) or moved from a place that may be shared (a `move`'s): from now on it
   * is never changed in place, only copied on write, and the result holds a copy of it.
   */
  share(value: Json): Json {
    if (isContainer(value)) {
      this.#freeze(value);
      this.#foreign.add(value);
    }
    return value;
  }

  /** True when the value is a container this patch made and only one place holds. */
  owns(value: Json): boolean {
    return isContainer(value) && this.#owned.has(value);
  }

  /** A copy of an object to change in place (merge patches build their result with it). */
  ownCopy(record: Record<string, Json> | undefined): Record<string, Json> {
    // A merge patch only ever copies objects of the input, which nothing else holds.
    return (record === undefined ? this.#adopt({}, 0) : this.#copy(record, false)) as Record<
      string,
      Json
    >;
  }

  /** The size measurer, for code that changes owned containers itself. */
  get meter(): SizeMeter {
    return this.#meter;
  }

  /** Sets a merge's result as the root, and checks its size against the old root's. */
  replaceRoot(root: Json): void {
    const old = this.#root;
    this.#root = root;
    this.checkGrowth(() => this.storedBytes(old));
  }

  /**
   * Refuses the document once it is past the size limit, unless it is no larger than it
   * was `before` the change (a document stored before the limit was lowered may shrink).
   */
  checkGrowth(before: () => number): void {
    const bytes = this.storedBytes();
    if (bytes > this.#maxBytes && bytes > before()) {
      throw new PatchTooLargeError('maxDocumentBytes', this.#maxBytes, bytes);
    }
  }

  /** Bytes of JSON the document (or `root`) takes as stored, without the uncounted field. */
  storedBytes(root: Json = this.#root): number {
    const field = this.#uncounted;
    const bytes = this.#meter.bytes(root);
    if (field === undefined || !isRecord(root) || !Object.hasOwn(root, field)) return bytes;
    const entry = this.#meter.entry(field, root[field]);
    return entry === 0 ? bytes : bracketed(this.#meter.content(root) - entry);
  }

  /** The patched document as a plain tree: nothing shared inside it, nor with the patch. */
  result(ownership: Ownership): Json {
    const root = this.#root;
    const clone = (value: Container, holder: Container | undefined) =>
      ownership === 'pure' || this.#marked(value, holder);
    if (!isContainer(root)) return root;
    if (!this.#owned.has(root)) return clone(root, undefined) ? cloneJson(root) : root;
    const walk = (node: Container) => {
      if (Array.isArray(node)) {
        node.forEach((item, i) => {
          if (!isContainer(item)) return;
          if (this.#owned.has(item)) walk(item);
          else if (clone(item, node)) node[i] = cloneJson(item);
        });
        return;
      }
      for (const key of Object.keys(node)) {
        const item = node[key];
        if (!isContainer(item)) continue;
        if (this.#owned.has(item)) walk(item);
        else if (clone(item, node)) node[key] = cloneJson(item);
      }
    };
    walk(root);
    return root;
  }

  // The containers from the root down to the parent of `path`, as found (not yet owned).
  #chain(path: readonly string[], shown: string): Json[] {
    const chain: Json[] = [this.#root];
    let node = this.#root;
    for (let i = 0; i < path.length - 1; i++) {
      const next = childAt(node, path[i] as string);
      if (next === undefined) throw new InvalidPatchError(`Nothing at ${shown}`);
      chain.push(next);
      node = next;
    }
    return chain;
  }

  // Makes every container of `chain` owned (copying those that are not, and hanging each
  // copy where the original was), applies `change` to the parent, and carries the change
  // of size up to the root.
  #change(
    path: readonly string[],
    chain: Json[],
    delta: number,
    change: (parent: Container) => void,
  ): void {
    const owned: Container[] = [];
    let holder: Container | undefined;
    chain.forEach((node, i) => {
      let mine = node as Container;
      if (!this.#owned.has(mine)) {
        mine = this.#copy(mine, this.#marked(mine, holder));
        if (holder === undefined) this.#root = mine;
        else {
          if (Array.isArray(holder)) holder[Number(path[i - 1])] = mine;
          else holder[path[i - 1] as string] = mine;
          this.#hang(holder, mine);
        }
      }
      owned.push(mine);
      holder = mine;
    });
    change(owned.at(-1) as Container);
    for (let i = owned.length - 1; i >= 0; i--) {
      const node = owned[i] as Container;
      const old = this.#meter.content(node);
      this.#meter.remember(node, old + delta);
      delta = bracketed(old + delta) - bracketed(old);
    }
  }

  // Records an owned container placed inside an owned one, for `#freeze`.
  #hang(holder: Container, member: Json): void {
    if (!isContainer(member) || !this.#owned.has(member)) return;
    const members = this.#ownedMembers.get(holder);
    if (members) members.push(member);
    else this.#ownedMembers.set(holder, [member]);
  }

  // Whether a container that is not owned, held by `holder` (owned, or none for the
  // root), is marked: itself, or as a member of a marked container's copy.
  #marked(node: Container, holder: Container | undefined): boolean {
    return this.#foreign.has(node) || (holder !== undefined && this.#inherited.has(holder));
  }

  // A shallow copy this patch owns. The members of a marked original are now held by the
  // original and the copy: the copy is `#inherited`, so they count as marked.
  #copy(node: Container, marked: boolean): Container {
    const copy = Array.isArray(node) ? node.slice() : { ...node };
    if (marked) this.#inherited.add(copy);
    return this.#adopt(copy, this.#meter.content(node));
  }

  #adopt(node: Container, content: number): Container {
    this.#owned.add(node);
    this.#meter.remember(node, content);
    return node;
  }

  // A container about to be held twice is no longer changed in place, nor is anything
  // owned inside it. Each container is frozen at most once after the copy that made it.
  // (A member since moved elsewhere is frozen too: that costs a copy later, nothing more.)
  #freeze(node: Container): void {
    if (!this.#owned.delete(node)) return;
    for (const member of this.#ownedMembers.get(node) ?? []) this.#freeze(member);
  }
}

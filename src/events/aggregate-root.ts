import { InvalidArgumentError } from '../core/errors.js';
import type { EventInput, RecordedEvent } from './types.js';

/**
 * The repository style of event sourcing: a class whose methods decide and `raise`
 * events, whose `apply` folds them into its state. `store.events.load(Order, id)` replays
 * the stream into a new instance; `store.events.save(order)` appends its pending events
 * expecting the version it loaded.
 *
 * @example
 * type OrderState = { items: string[] };
 * type ItemAdded = { type: 'ItemAdded'; data: { sku: string } };
 * class Order extends AggregateRoot<OrderState, ItemAdded> {
 *   protected initialState(): OrderState { return { items: [] }; }
 *   protected apply(state: OrderState, event: ItemAdded): OrderState {
 *     return { items: [...state.items, event.data.sku] };
 *   }
 *   addItem(sku: string) { this.raise({ type: 'ItemAdded', data: { sku } }); }
 * }
 */
export abstract class AggregateRoot<State, Event extends EventInput = EventInput> {
  /** The stream id. */
  readonly id: string;
  #state: State | undefined;
  #version = 0;
  #pending: Event[] = [];

  constructor(id: string) {
    this.id = id;
  }

  /** The state before any event. */
  protected abstract initialState(): State;
  /** The state after `event`. Must not throw for events already in the stream. */
  protected abstract apply(state: State, event: Event): State;

  /** The current state, pending events included. */
  get state(): State {
    this.#state ??= this.initialState();
    return this.#state;
  }

  /** The stream version this instance was loaded or last saved at (0: a new stream). */
  get version(): number {
    return this.#version;
  }

  /** Events raised since the last load or save. */
  get pendingEvents(): readonly Event[] {
    return this.#pending;
  }

  /** Records a new event and applies it to the state. */
  protected raise(event: Event): void {
    this.#state = this.apply(this.state, event);
    this.#pending.push(event);
  }

  /** Applies stored events (used by `EventStore.load`); refuses once events are pending. */
  replay(events: readonly RecordedEvent[]): void {
    if (this.#pending.length > 0) {
      throw new InvalidArgumentError(`Aggregate ${this.id} has pending events; save it first`);
    }
    for (const event of events) {
      this.#state = this.apply(this.state, event as unknown as Event);
      this.#version = event.version;
    }
  }

  /** Marks the pending events as stored at `version` (used by `EventStore.save`). */
  markSaved(version: number): void {
    this.#pending = [];
    this.#version = version;
  }
}

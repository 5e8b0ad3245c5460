/**
 * Minimum and maximum of the last `capacity` values of a stream, O(1) amortised per push: two
 * monotonic deques of (value, position) pairs in ring buffers — no modulo, no allocation — so memory
 * is fixed however long the stream runs.
 */
class MonotonicDeque {
  readonly values: Float64Array;
  readonly positions: Float64Array;
  head = 0;
  count = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
    this.positions = new Float64Array(capacity);
  }
}

export class SlidingExtremes {
  readonly capacity: number;
  readonly #max: MonotonicDeque;
  readonly #min: MonotonicDeque;
  #pushed = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.capacity = capacity;
    this.#max = new MonotonicDeque(capacity);
    this.#min = new MonotonicDeque(capacity);
  }

  get size(): number {
    return Math.min(this.#pushed, this.capacity);
  }

  /** Largest of the last `capacity` values (-Infinity when empty). */
  get max(): number {
    const deque = this.#max;
    return deque.count === 0 ? Number.NEGATIVE_INFINITY : (deque.values[deque.head] as number);
  }

  /** Smallest of the last `capacity` values (+Infinity when empty). */
  get min(): number {
    const deque = this.#min;
    return deque.count === 0 ? Number.POSITIVE_INFINITY : (deque.values[deque.head] as number);
  }

  push(value: number): void {
    const position = this.#pushed;
    this.#pushed += 1;
    append(this.#max, value, position, this.capacity, 1);
    append(this.#min, value, position, this.capacity, -1);
  }
}

/** Evicts the expired head, drops tail entries the new value dominates (sign +1 for max, -1 for min), appends. */
function append(deque: MonotonicDeque, value: number, position: number, capacity: number, sign: number): void {
  const { values, positions } = deque;
  if (deque.count > 0 && (positions[deque.head] as number) <= position - capacity) {
    deque.head = deque.head + 1 === capacity ? 0 : deque.head + 1;
    deque.count -= 1;
  }
  let count = deque.count;
  const head = deque.head;
  const signed = sign * value;
  while (count > 0) {
    const last = head + count - 1;
    const slot = last >= capacity ? last - capacity : last;
    if (sign * (values[slot] as number) > signed) break;
    count -= 1;
  }
  const next = head + count;
  const slot = next >= capacity ? next - capacity : next;
  values[slot] = value;
  positions[slot] = position;
  deque.count = count + 1;
}

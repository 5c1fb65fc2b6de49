/** A map that forgets everything when full: cheap and bounded, for answers that repeat. */
export class BoundedMap<K, V> {
  readonly #items = new Map<K, V>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get(key: K): V | undefined {
    return this.#items.get(key);
  }

  entries(): IterableIterator<[K, V]> {
    return this.#items.entries();
  }

  set(key: K, value: V): void {
    if (this.#items.size >= this.#max) this.#items.clear();
    this.#items.set(key, value);
  }
}

/** A set that forgets everything when full: cheap, bounded, good enough for repeated values. */
export class BoundedSet<T> {
  readonly #items = new Set<T>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  has(value: T): boolean {
    return this.#items.has(value);
  }

  add(value: T): void {
    if (this.#items.size >= this.#max) this.#items.clear();
    this.#items.add(value);
  }
}

/**
 * A set that keeps its latest `capacity` members: adding past it forgets the oldest alone. For
 * "seen lately" questions, where forgetting everything at once (as {@link BoundedSet}) would let
 * the latest through again.
 */
export class RecentSet {
  readonly #members = new Set<string>();
  readonly capacity: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  has(member: string): boolean {
    return this.#members.has(member);
  }

  /** Adds `member` (as the latest, when it was there already). */
  add(member: string): void {
    this.#members.delete(member);
    this.#members.add(member);
    if (this.#members.size > this.capacity) this.#members.delete(this.#members.values().next().value as string);
  }

  get size(): number {
    return this.#members.size;
  }
}

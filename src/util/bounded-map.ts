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

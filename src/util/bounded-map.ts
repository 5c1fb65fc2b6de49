/**
 * A map that forgets everything when full: cheap and bounded, for answers that repeat (see
 * `BoundedSet` in detect/compile.ts for the same policy over a set).
 */
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

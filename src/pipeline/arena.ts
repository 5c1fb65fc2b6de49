/**
 * The shared memory a run's batches and their outputs live in while they are out. A batch copied
 * into a fresh buffer, cloned into a worker and its output transferred back made three large
 * buffers per batch, each counted in V8's external memory of the thread that holds it; that
 * memory, grown since the last full collection, counts against the old generation's limit, so the
 * main thread ran a full collection every few MB of input and each worker one every few batches
 * (their marking runs on V8's helper threads, which take cores from the workers). A view of a
 * SharedArrayBuffer is shared, not copied, when it is posted to a worker: batches cut into the
 * arena and outputs written into it allocate nothing per batch on either side.
 *
 * Space is handed out as a ring, oldest first: a slot is reused once it and every slot taken
 * before it are released (a run settles its batches in input order, so they are released nearly
 * in that order). When the ring has no room for a request, {@link SharedArena.alloc} says so and
 * the caller allocates as before: the arena never makes a run wait.
 */

interface Slot {
  view: Uint8Array;
  start: number;
  end: number;
  released: boolean;
}

export class SharedArena {
  readonly size: number;
  readonly #memory: SharedArrayBuffer;
  /** Slots handed out and not yet reclaimed, oldest first. */
  readonly #slots: Slot[] = [];
  /** Where the next slot starts when there is room there. */
  #head = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`arena size must be a positive integer, got ${size}`);
    this.size = size;
    this.#memory = new SharedArrayBuffer(size);
  }

  /** `n` bytes of the arena (a view of its memory), or undefined when it has no room for them. */
  alloc(n: number): Uint8Array | undefined {
    if (n <= 0 || n > this.size) return undefined;
    const start = this.#place(n);
    if (start === undefined) return undefined;
    const view = new Uint8Array(this.#memory, start, n);
    this.#slots.push({ view, start, end: start + n, released: false });
    this.#head = start + n;
    return view;
  }

  /**
   * Gives back a view {@link SharedArena.alloc} returned (that very object: a view given back
   * twice cannot free the slot that reuses its place); anything else is ignored.
   */
  release(view: Uint8Array): void {
    if (view.buffer !== this.#memory) return;
    const slot = this.#slots.find((s) => s.view === view);
    if (!slot || slot.released) return;
    slot.released = true;
    while (this.#slots.length > 0 && (this.#slots[0] as Slot).released) this.#slots.shift();
    if (this.#slots.length === 0) this.#head = 0;
  }

  /** Bytes in slots not yet reclaimed (for tests and measurements). */
  get used(): number {
    return this.#slots.reduce((sum, s) => sum + s.end - s.start, 0);
  }

  /**
   * Where `n` bytes fit: after the newest slot, up to the oldest when the ring has wrapped or to
   * the end when it has not, or else from the start, before the oldest slot.
   */
  #place(n: number): number | undefined {
    const oldest = this.#slots[0];
    if (!oldest) return 0;
    if (this.#head > oldest.start) {
      if (this.#head + n <= this.size) return this.#head;
      return n <= oldest.start ? 0 : undefined;
    }
    return this.#head + n <= oldest.start ? this.#head : undefined;
  }
}

/** Bytes to set aside for the output of a batch of `n` bytes: its tokens make it longer than its input. */
export function outputRoom(n: number): number {
  return n + (n >> 2) + 16 * 1024;
}

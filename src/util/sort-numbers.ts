/**
 * Sorts a short list of numbers in place, ascending, and returns it. `Array.prototype.sort`
 * allocates its work state on every call with two or more elements (measured at ~900 bytes a
 * call with a comparator, in Node 20), and the line prefilter sorts a short list for about every
 * sixth line: the young generation fills with that state. Insertion sort allocates nothing; a
 * long list goes to the built-in sort.
 */
export function sortNumbers(list: number[]): number[] {
  const n = list.length;
  if (n > SHORT) return list.sort(ascending);
  for (let i = 1; i < n; i++) {
    const x = list[i] as number;
    let j = i - 1;
    while (j >= 0 && (list[j] as number) > x) {
      list[j + 1] = list[j] as number;
      j -= 1;
    }
    list[j + 1] = x;
  }
  return list;
}

/** Longer lists than this go to the built-in sort. */
const SHORT = 24;

function ascending(a: number, b: number): number {
  return a - b;
}

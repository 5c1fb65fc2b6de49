/**
 * The ways detection reads a string besides as written: with its escapes decoded (escapes.ts),
 * with its numbers written as their plain digits (numbers.ts), and without its terminal sequences
 * (terminal-codes.ts), each view mapped onto the original.
 */
import { decodedViews, hasEscapes, type DecodedView } from './escapes.js';
import { mayHideNumber, numberView } from './numbers.js';
import { holdsEscape, terminalCodesView } from './terminal-codes.js';

/** True when `text` may have a reading besides its writing (cheaper than {@link readings}). */
export function hasReadings(text: string): boolean {
  return hasEscapes(text) || mayHideNumber(text) || holdsEscape(text);
}

/** `inner`, a reading of `outer`'s text, mapped onto what `outer` reads: a reading of a reading. */
function within(outer: DecodedView, inner: DecodedView): DecodedView {
  const ends = outer.end ?? outer.at;
  return { text: inner.text, at: inner.at.map((i) => outer.at[i] as number), end: (inner.end ?? inner.at).map((i) => ends[i] as number), how: `${outer.how}, ${inner.how}` };
}

/** The readings of `text` besides its writing, each mapped onto `text`; empty when it has none. */
export function readings(text: string): DecodedView[] {
  const views = decodedViews(text);
  // Without terminal sequences: the text's, and those a decoded view spells (`\u001b[1m` in a text).
  const plain = terminalCodesView(text);
  for (const view of [...views]) {
    const bare = holdsEscape(view.text) ? terminalCodesView(view.text) : undefined;
    if (bare) views.push(within(view, bare));
  }
  if (plain) views.push(plain);
  // A number spelled with escapes (`n=%2D4111111111111111`) or coloured (`ESC[33m4.1111E15`) is read plain in the view that reads it so.
  for (const view of [...views]) {
    const numbers = numberView(view.text);
    if (numbers) views.push(within(view, numbers));
  }
  const numbers = numberView(text);
  if (numbers) views.push(numbers);
  return views;
}

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

/** The readings of `text` besides its writing, each mapped onto `text`; empty when it has none. */
export function readings(text: string): DecodedView[] {
  const views = decodedViews(text);
  // A number spelled with escapes (`n=%2D4111111111111111`) is read plain in the view that decodes them.
  for (const view of [...views]) {
    const numbers = numberView(view.text);
    if (!numbers) continue;
    const ends = view.end ?? view.at;
    views.push({
      text: numbers.text,
      at: numbers.at.map((i) => view.at[i] as number),
      end: (numbers.end ?? numbers.at).map((i) => ends[i] as number),
      how: `${view.how}, ${numbers.how}`,
    });
  }
  const numbers = numberView(text);
  if (numbers) views.push(numbers);
  // Without terminal sequences: the text's, and those a decoded view spells (`\u001b[1m` in a text).
  for (const view of [...views]) {
    const bare = holdsEscape(view.text) ? terminalCodesView(view.text) : undefined;
    if (!bare) continue;
    const ends = view.end ?? view.at;
    views.push({ text: bare.text, at: bare.at.map((i) => view.at[i] as number), end: (bare.end ?? bare.at).map((i) => ends[i] as number), how: `${view.how}, ${bare.how}` });
  }
  const plain = terminalCodesView(text);
  if (plain) views.push(plain);
  return views;
}

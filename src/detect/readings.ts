/**
 * The ways detection reads a string besides as written: with its escapes decoded (escapes.ts) and
 * with its numbers written as their plain digits (numbers.ts), each view mapped onto the original.
 */
import { decodedViews, type DecodedView } from './escapes.js';
import { numberView } from './numbers.js';

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
  return views;
}

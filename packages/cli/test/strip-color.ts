const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The text without its colour codes: what a person sees of a coloured view. */
export function stripColor(text: string): string {
  return text.replace(ansi, '');
}

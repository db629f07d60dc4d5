/**
 * A value quoted for a message, cut short: what a user typed or a file held can be any length,
 * and an error line is read, not scrolled. JSON's quoting also spells out control characters.
 */
export function shortQuote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

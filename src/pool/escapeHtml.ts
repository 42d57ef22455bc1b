/** HTML escaping for text and attribute values (double-quoted) in server-rendered pages. */

const replacements: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
}

/** Escapes `& < > " ' \``: safe inside element text and inside a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => replacements[c] as string)
}

/**
 * Whether a request's `Prefer` header (RFC 7240) names the preference `name`: the header
 * is a comma-separated list of `token[=value]` entries, each with optional `;` parameters,
 * and may be sent more than once. Preference names compare case-insensitively; anything
 * unrecognised is ignored, as the RFC asks.
 */
export function prefers(headers: Headers, name: string): boolean {
  const value = headers.get('prefer');
  if (value === null) return false;
  const wanted = name.toLowerCase();
  // Entries split at commas outside quoted values (`foo="a,b"` is one entry).
  const entries = value.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
  return entries.some((entry) => {
    const [preference = ''] = entry.split(';');
    const [token = ''] = preference.split('=');
    return token.trim().toLowerCase() === wanted;
  });
}

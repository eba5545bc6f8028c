/**
 * The exact number key as releases before `noclobber_number_key` wrote it: one pure-SQL
 * expression, kept here to check that the function gives the same key character for
 * character and to build the index an older release left in a database file.
 */

// Each digit's complement as a letter ('0' → 'j' … '9' → 'a').
const complementSql = (digits: string) =>
  [...'0123456789'].reduce(
    (sql, digit) => `replace(${sql}, '${digit}', '${String.fromCharCode(106 - Number(digit))}')`,
    digits,
  );

/** The number key of the JSON number text `text` as one SQLite expression with no subquery. */
export function oldNumberKeyExpression(text: string): string {
  const a = `ltrim(${text}, '-')`;
  const p = `instr(lower(${a}), 'e')`;
  const m = `(CASE WHEN ${p} > 0 THEN substr(${a}, 1, ${p} - 1) ELSE ${a} END)`;
  const x = `(CASE WHEN ${p} > 0 THEN CAST(substr(${a}, ${p} + 1) AS INTEGER) ELSE 0 END)`;
  const g = `replace(${m}, '.', '')`;
  const il = `(CASE WHEN instr(${m}, '.') > 0 THEN instr(${m}, '.') - 1 ELSE length(${m}) END)`;
  const e = `(${x} + ${il} - (length(${g}) - length(ltrim(${g}, '0'))))`;
  const d = `rtrim(ltrim(${g}, '0'), '0')`;
  return `(CASE WHEN ${d} = '' THEN 'O'
      WHEN substr(${text}, 1, 1) <> '-' THEN 'P' || printf('%06d', ${e} + 500000) || ${d}
      ELSE 'N' || printf('%06d', 500000 - ${e}) || ${complementSql(d)} || '~' END)`;
}

/** The `CREATE INDEX` an older release issued for a number index on `body.<field>`. */
export function oldNumberIndex(name: string, collection: string, field: string): string {
  const at = `'$."${field}"'`;
  const key = `(CASE WHEN json_type(body, ${at}) IN ('integer', 'real') THEN ${oldNumberKeyExpression(`(body -> ${at})`)} END)`;
  return `CREATE INDEX IF NOT EXISTS ${name}
    ON noclobber_documents (tenant, ${key}, id) WHERE collection = '${collection}' AND deleted = 0`;
}

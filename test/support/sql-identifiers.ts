/** `name` as a quoted SQL identifier: for the tests' own statements on the admin pool. */
export function escapeIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

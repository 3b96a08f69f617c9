/** Compile-time assertions for the type-level tests (test/types/): checked by `tsc` in `npm run typecheck`. */

/** `true` when A and B are the same type (not merely assignable either way). */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when `actual`'s type is exactly `Expected`: `expectType<QueryResult>()(res.data)`. */
export function expectType<Expected>(): <Actual>(actual: Actual, ..._proof: Equal<Actual, Expected> extends true ? [] : [never]) => void {
  return () => undefined;
}

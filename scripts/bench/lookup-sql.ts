/** The lookup suite's statement (a primary-key lookup on bench_users), shared by its contenders and floors. */
export const LOOKUP_SQL = 'SELECT id, name, email, score FROM bench_users WHERE id = $1';

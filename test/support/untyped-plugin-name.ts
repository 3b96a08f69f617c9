/**
 * The postgres plugin's name widened to `string`: `executePlugin` then takes
 * any operation name and params, as for a plugin only known at run time. For
 * tests that send on purpose what the typed signatures refuse (unknown
 * operations, fault hooks, invalid params, operation names from a table).
 */
export const UNTYPED_POSTGRES_PLUGIN: string = 'postgres-plugin';

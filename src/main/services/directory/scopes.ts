/** Rows that every device receives (people, groups, sites themselves) live in the global scope. */
export const GLOBAL_SCOPE = 'global';

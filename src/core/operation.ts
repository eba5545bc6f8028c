/** The operation a write belongs to, as policies and hooks see it. */
export type Operation = 'insert' | 'update' | 'delete' | 'patch';

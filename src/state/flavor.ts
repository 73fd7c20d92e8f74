// Which SQL engine a store talks to: the few places where SQLite and PostgreSQL differ ask this.
export type Flavor = 'sqlite' | 'postgres';

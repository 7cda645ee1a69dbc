export * from './loaders.ts';
export * from './pagination.ts';
export * from './permissions.ts';
export * from './personal-data.ts';
export * from './seeding.ts';
export * from './subgraph.ts';

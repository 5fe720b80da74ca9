export * from './local';
export * from './directory';
export * from './tickets';
export * from './assets';
export * from './sync';
export * from './team';
export * from './grc';
export * from './evidence';

export * from './local';
export * from './directory';
export * from './tickets';

export * from './energy/index.js';
export * from './co2/index.js';
export * from './traffic/index.js';
export * from './transparency/index.js';

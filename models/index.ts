export * from './energy/index.js';

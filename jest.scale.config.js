/**
 * Jest for the scale suites (test/scale): the same setup as jest.config.js, one suite at a time,
 * since each of them loads the machine on its own (a thousand tenant workers on two cores).
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/scale'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  testTimeout: 900_000,
};

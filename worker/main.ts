#!/usr/bin/env node
/**
 * The worker executable (`postgres-plugin-worker`): runs the worker program
 * (worker/runtime/worker-program.ts; its options and environment are there), from the
 * build's single-file bundle through V8's code cache when the build made one
 * (worker/runtime/program-loader.ts).
 */
import { loadProgram } from './runtime/program-loader';

const { program, load } = loadProgram(__filename);
program.runWorker(load);

#!/usr/bin/env node
// The barge command's entry: V8's settings for a short, I/O-bound process, then, for
// `barge sync`, the first copying threads, then the command line itself (commands.ts).
import { setFlagsFromString } from 'node:v8';
import { startSyncThreadsEarly } from './early-threads.js';

// V8 optimises a function once it has run for a budget of bytecode; its optimising
// compiler then runs on background threads. A sync's JS is done in a second or two, and
// on a small machine those threads take CPU from the copying: 20,000 small files were
// copied in 0.91 s instead of 1.10 s (median of 5) with 16 times V8's default budget,
// and the 1,000,000-file no-op, whose code still gets optimised, kept its 4 s. The flag
// is process-wide and read as functions are first run: set here, before anything else
// loads, it holds for every thread.
setFlagsFromString(`--interrupt-budget=${16 * 67584}`);

// a thread takes ~110 ms to load its modules, and this one as long to reach the sync:
// started here, both happen at once (a push to an agent starts every sending thread)
if (process.argv[2] === 'sync') startSyncThreadsEarly(process.argv.slice(3));
await import('./commands.js');

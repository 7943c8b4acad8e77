// zod, as every schema here uses it: its "mini" build with English messages. The classic
// build gives every schema its whole method API as it is made: loading it and making our
// schemas cost about 40 ms of each start (the CLI's, each Lambda cold start's); mini about
// 10 ms (a bundle of lib/config.ts: 0.101 s classic, 0.074 s mini, 0.063 s for an empty
// script). Same checks, issues and JSON Schema; a functional API (z.optional(s),
// s.check(z.minLength(1))). Import it as a namespace (`import * as z from './zod'`): the
// bundler then keeps only what is used (all of zod's locales otherwise).

import en from 'zod/v4/locales/en.js';
import { config } from 'zod/mini';

// Mini ships no messages of its own: without this, every issue reads "Invalid input".
config(en());

export * from 'zod/mini';

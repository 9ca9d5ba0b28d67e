// zod's functional build for the bodies the console API reads: a fraction of the size of its
// classic one (the approval API's bundle loads on a cold start while a person waits for the page),
// with the English messages the classic build gives, so a refusal reads the same as anywhere else.
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';

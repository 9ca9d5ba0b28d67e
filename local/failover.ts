// Entry point of the `failover` command.
import { main } from './cli.js';
import { exitCodes, processIo } from './io.js';

main(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    processIo.err(`failover: unexpected error: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = exitCodes.failedAfterChange;
  },
);

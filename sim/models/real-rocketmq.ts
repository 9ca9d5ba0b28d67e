// The RocketMQ pods' `mqadmin` can run against a real local cluster instead of the model: the
// simulated API server still serves the pods and their exec stream, so the path is the real
// Kubernetes client -> exec -> the real mqadmin (a JVM on this machine) -> the engine's parser.
//
// The real processes listen on 127.0.0.1 with a port each, while the engine addresses brokers as
// `<pod IP>:<brokerPort>` and the name servers and controller by their Service addresses. So the
// binding translates, as the cluster network would: each address in the arguments becomes the
// real process it stands for (a Service becomes a Ready pod behind it; one with none refuses the
// connection, as kube-proxy does), and each real address mqadmin prints becomes the pod's address.
// Nothing else in the output is touched: what the engine parses is what mqadmin printed.
import { execFile } from 'node:child_process';
import { z } from 'zod';
import type { ExecOutput } from './sim-model.js';

const address = z
  .string()
  .regex(/^[^\s:;]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:30911 (a real process on this machine)');

export const realRocketmqSchema = z.strictObject({
  /** How to start the real mqadmin: `<java> <jvmOptions...> -cp <classpath> ...MQAdminStartup <args>`. */
  mqadmin: z.strictObject({
    java: z.string().min(1).default('java'),
    classpath: z.string().min(1),
    jvmOptions: z.array(z.string().min(1)).default([]),
  }),
  /** Name server pods (`rocketmq-namesrv-<i>`, one per site in site order) -> the real name server. */
  nameServers: z.record(z.string().min(1), address),
  /** The real controller the controller's pod and Service stand for. */
  controller: address,
  /** Every broker pod of the plan -> the real broker (its remoting address). */
  brokers: z.record(z.string().min(1), address),
  /**
   * What runs when a pod's container starts again after its pod was deleted (the StatefulSet
   * recreated it): it must stop the process the old container ran and start it with the same store.
   */
  restart: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}),
});

export type RealRocketmq = z.infer<typeof realRocketmqSchema>;

/** Where a Service without a Ready endpoint sends a connection: a closed loopback port refuses it. */
export const REFUSED_ADDRESS = '127.0.0.1:1';

/** Simulated address <-> real address, in the order they are tried. */
export interface AddressBook {
  /** Pod addresses (`<pod IP>:<port>`) and the real process each is: tried first both ways. */
  pods: Array<[sim: string, real: string]>;
  /** Service addresses: the real process of a Ready pod behind each, or REFUSED_ADDRESS. */
  services: Array<[sim: string, real: string]>;
}

const MQADMIN_MAIN = 'org.apache.rocketmq.tools.command.MQAdminStartup';
const TIMEOUT_MS = 60_000;

/** An argument as the real process sees it: each address of a `;`-separated list translated. */
export const toReal = (arg: string, book: AddressBook): string =>
  arg
    .split(';')
    .map(
      (part) =>
        book.pods.find(([sim]) => sim === part)?.[1] ??
        book.services.find(([sim]) => sim === part)?.[1] ??
        part,
    )
    .join(';');

/**
 * Output as the pod would print it: each real address becomes its pod's address; an address that
 * only an argument named (a Service, or the refusing address) goes back to that argument.
 */
export const fromReal = (text: string, book: AddressBook, argv: readonly string[]): string => {
  const named = argv.flatMap((arg) =>
    arg.split(';').flatMap((part): Array<[string, string]> => {
      const real = toReal(part, book);
      return real !== part ? [[real, part]] : [];
    }),
  );
  return text.replace(/\b\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}\b/g, (found) => {
    const pod = book.pods.find(([, real]) => real === found)?.[0];
    return pod ?? named.find(([real]) => real === found)?.[1] ?? found;
  });
};

/** Runs `mqadmin <args>` for real; exit code and output come back as mqadmin gave them, addresses translated. */
export const runRealMqadmin = (
  binding: RealRocketmq,
  args: readonly string[],
  book: AddressBook,
): Promise<ExecOutput> => {
  const realArgs = args.map((a) => toReal(a, book));
  const { java, classpath, jvmOptions } = binding.mqadmin;
  return new Promise((resolve) => {
    execFile(
      java,
      [...jvmOptions, '-cp', classpath, MQADMIN_MAIN, ...realArgs],
      { timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (error !== null && code === 'ENOENT') {
          resolve({
            stdout: '',
            stderr: `${java} is not installed on this machine (apt-get install openjdk-17-jre-headless): ${error.message}\n`,
            exitCode: 127,
          });
          return;
        }
        resolve({
          stdout: fromReal(stdout, book, args),
          // A timed-out JVM is killed: report it like a command that failed with the signal's code.
          stderr: fromReal(error !== null && stderr === '' ? error.message : stderr, book, args),
          exitCode: error === null ? 0 : typeof code === 'number' ? code : 124,
        });
      },
    );
  });
};

/** Starts a pod's container again (its restart command); resolves with why it failed, if it did. */
export const restartRealProcess = (command: readonly string[]): Promise<string | undefined> =>
  new Promise((resolve) => {
    const [file, ...args] = command;
    execFile(file!, args, { timeout: TIMEOUT_MS }, (error, _stdout, stderr) =>
      resolve(error === null ? undefined : `${command.join(' ')}: ${stderr || error.message}`),
    );
  });

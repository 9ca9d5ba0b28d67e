// Reading what a Warm Standby site is configured to be: the operating modes in a RabbitmqCluster's
// additionalConfig, the endpoints its replication resources name, and which spec changes make
// the operator restart the pods.
import type { JsonObject } from '../json-patch.js';
import { pathOf } from './rabbitmq-standby-objects.js';

export type Mode = 'upstream' | 'downstream';

/** `standby.replication.operating_mode = downstream` → downstream; RabbitMQ's default is upstream. */
export const configuredMode = (config: string, setting: string): Mode => {
  const line = config
    .split('\n')
    .map((l) => l.trim())
    .find((l) => !l.startsWith('#') && l.split('=')[0]?.trim() === setting);
  return line?.split('=')[1]?.trim() === 'downstream' ? 'downstream' : 'upstream';
};

/** `host:port,host:port` as the replication resources take their endpoints. */
export const endpointList = (endpoints: string): string[] =>
  endpoints
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');

/** The operator restarts the pods when a config file changes; plugins it enables live. */
export const restartingConfig = (cluster: JsonObject): string =>
  JSON.stringify(
    ['additionalConfig', 'advancedConfig', 'envConfig'].map(
      (field) => pathOf(cluster, ['spec', 'rabbitmq', field]) ?? null,
    ),
  );

// The Shovel custom resource (rabbitmq.com/v1beta1, the messaging topology operator's) as the
// simulator knows it: the upstream CRD's schema cut down to the fields the shovel engine and the
// Kube-port contract use, so the unit tier needs no download. The conformance tier installs the
// operator's own CRD on the real kube-apiserver and holds this cut to it
// (kube-port-contract.test.ts): every field here has the upstream type, enum, default and requiredness.
// Its API names, as the simulator serves it.
export { SHOVEL } from '../../sim/models/rabbitmq-shovel.js';

const string = { type: 'string' };

/** The structural schema: what the server validates writes against, prunes unknown fields by and fills defaults from. */
export const shovelSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['name', 'uriSecret', 'rabbitmqClusterReference'],
      properties: {
        name: string,
        vhost: { type: 'string', default: '/' },
        uriSecret: { type: 'object', properties: { name: { type: 'string', default: '' } } },
        rabbitmqClusterReference: { type: 'object', properties: { name: string } },
        srcQueue: string,
        destQueue: string,
        ackMode: { type: 'string', enum: ['on-confirm', 'on-publish', 'no-ack'] },
        prefetchCount: { type: 'integer' },
        deleteAfter: string,
      },
    },
    status: {
      type: 'object',
      properties: {
        observedGeneration: { type: 'integer', format: 'int64' },
        conditions: {
          type: 'array',
          items: {
            type: 'object',
            required: ['status', 'type'],
            properties: { type: string, status: string, reason: string, message: string },
          },
        },
      },
    },
  },
};

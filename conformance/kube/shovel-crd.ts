// The custom resource the Kube-port contract runs on: the RabbitMQ messaging topology operator's
// Shovel (rabbitmq.com/v1beta1), cut down to the fields the shovel engine uses. The operator's own
// CRD YAML is not to be had here (its Go module is not served by the module proxy), so this one is
// written from its documented fields; like the upstream one it is structural, namespaced and has
// a status subresource, which is what decides how patches on spec and status behave.
export const SHOVEL = { group: 'rabbitmq.com', version: 'v1beta1', plural: 'shovels', kind: 'Shovel' };

const string = { type: 'string' };
const reference = { type: 'object', properties: { name: string }, required: ['name'] };

/** The structural schema: what the server validates writes against and prunes unknown fields by. */
export const shovelSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['name', 'uriSecret', 'rabbitmqClusterReference'],
      properties: {
        name: string,
        vhost: string,
        uriSecret: reference,
        rabbitmqClusterReference: reference,
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
            properties: { type: string, status: string, reason: string, message: string },
          },
        },
      },
    },
  },
};

/** As the API takes it (JSON field names, e.g. `enum`, which client-node's typed models rename). */
export const shovelCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${SHOVEL.plural}.${SHOVEL.group}` },
  spec: {
    group: SHOVEL.group,
    scope: 'Namespaced',
    names: { plural: SHOVEL.plural, singular: 'shovel', kind: SHOVEL.kind, listKind: `${SHOVEL.kind}List` },
    versions: [
      {
        name: SHOVEL.version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: shovelSchema },
      },
    ],
  },
};

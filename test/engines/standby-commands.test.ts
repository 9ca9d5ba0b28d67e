// Parsers against the outputs printed in the reference guide (tab-separated, as the tools print).
import {
  parseDiskSpaceUsed,
  parsePromotionSummary,
  parseReplicationMetrics,
  parseSchemaReplicationStatus,
  parseVhostsAvailable,
  podOfNode,
  promoteCommand,
  standbyCommands,
} from '../../lambdas/engines/rabbitmq-standby/commands.js';
import { UnexpectedOutputError } from '../../lambdas/engines/command-output.js';
import { upstreamModeConfig } from '../../lambdas/engines/rabbitmq-standby/resources.js';

const node = 'rabbit@downstream-cluster-server-0.downstream-cluster-nodes.tanzu-rabbitmq';

describe('rabbitmq-standby command outputs', () => {
  it('reads schema_replication_status', () => {
    const out = `Schema replication status on node ${node}\nOperating mode: downstream\nState: syncing\nUpstream endpoint(s): 10.110.224.126:5672\nUpstream username: replicator\n`;
    expect(parseSchemaReplicationStatus(out)).toEqual({
      node,
      mode: 'downstream',
      state: 'syncing',
      endpoints: '10.110.224.126:5672',
    });
    const after = `Schema replication status on node ${node}\nOperating mode: upstream\nState: recover\nUpstream endpoint(s):\nUpstream username: default_user_reCbFdqSCIKNlG4vKSv\n`;
    expect(parseSchemaReplicationStatus(after)).toMatchObject({
      mode: 'upstream',
      state: 'recover',
      endpoints: '',
    });
  });

  it('reads the recoverable vhosts', () => {
    expect(
      parseVhostsAvailable(
        `Listing virtual hosts available for multi-DC replication recovery on node ${node}\ntest-vhost-1\n`,
      ),
    ).toEqual(['test-vhost-1']);
  });

  it('reads downstream metrics, and spaces where a terminal replaced tabs', () => {
    const tabs =
      'Inspecting standby downstream metrics related to recovery...\nqueue\ttimestamp\tvhost\nq1.quorum\t1679046634809\ttest-vhost-1\n';
    const spaces =
      'Inspecting standby downstream metrics related to recovery...\nqueue   timestamp       vhost\nq1.quorum       1679046634809   test-vhost-1\n';
    const expected = [{ queue: 'q1.quorum', vhost: 'test-vhost-1', timestamp: 1679046634809 }];
    expect(parseReplicationMetrics(standbyCommands.downstreamMetrics, tabs)).toEqual(expected);
    expect(parseReplicationMetrics(standbyCommands.downstreamMetrics, spaces)).toEqual(expected);
  });

  it('reads the promotion summary (timestamps contain a space)', () => {
    const out =
      'Will promote cluster to upstream...\nfirst_timestamp\tlast_timestamp\tmessage_count\tvirtual_host\n2023-03-17 09:50:34\t2023-03-17 09:50:44\t3\ttest-vhost-1\n';
    expect(parsePromotionSummary(['promote'], out)).toEqual([
      {
        virtualHost: 'test-vhost-1',
        messageCount: 3,
        firstTimestamp: '2023-03-17 09:50:34',
        lastTimestamp: '2023-03-17 09:50:44',
      },
    ]);
    expect(
      parsePromotionSummary(
        ['summary'],
        'Displaying standby promotion summary...\nfirst_timestamp\tlast_timestamp\tmessage_count\tvirtual_host\n',
      ),
    ).toEqual([]);
  });

  it('refuses output it does not recognise instead of guessing', () => {
    expect(() => parsePromotionSummary(['promote'], 'Error: unknown command')).toThrow(UnexpectedOutputError);
    expect(() => parseSchemaReplicationStatus('Error: {badrpc,nodedown}')).toThrow(UnexpectedOutputError);
  });

  it('finds the pod that holds the stream link', () => {
    const out = `Listing disk space (in gb) used by multi-DC replication\nnode\tsize\tunit\tvhost\n${node}\t0.0\tgb\ttest-vhost-1\n`;
    expect(parseDiskSpaceUsed(out)).toEqual([{ node, vhost: 'test-vhost-1', sizeGb: 0 }]);
    expect(podOfNode(node)).toBe('downstream-cluster-server-0');
  });

  it('builds the promote command from the plan flags, named as the release names it', () => {
    expect(
      promoteCommand('1.x', { startFromScratch: false, allAvailable: false, excludeVirtualHosts: [] }),
    ).toEqual(['rabbitmqctl', 'promote_standby_replication_downstream_cluster']);
    expect(
      promoteCommand('1.x', { startFromScratch: true, allAvailable: true, excludeVirtualHosts: ['a', 'b'] }),
    ).toEqual([
      'rabbitmqctl',
      'promote_standby_replication_downstream_cluster',
      '--start-from-scratch',
      '--all-available',
      '--exclude-virtual-hosts',
      'a',
      'b',
    ]);
    expect(
      promoteCommand('4.x-unverified', {
        startFromScratch: false,
        allAvailable: false,
        excludeVirtualHosts: ['a'],
      }),
    ).toEqual(['rabbitmqctl', 'promote_warm_standby', '--exclude-virtual-hosts', 'a']);
  });

  it('switches both operating modes to upstream and drops the downstream-only exceptions', () => {
    const config = [
      'schema_definition_sync.operating_mode = downstream',
      'standby.replication.operating_mode = downstream',
      'schema_definition_sync.downstream.locals.users = ^default_user_',
      'schema_definition_sync.downstream.locals.global_parameters = ^standby',
      'standby.replication.retention.size_limit.messages = 5000000000',
    ].join('\n');
    expect(upstreamModeConfig(config)).toBe(
      [
        'schema_definition_sync.operating_mode = upstream',
        'standby.replication.operating_mode = upstream',
        'standby.replication.retention.size_limit.messages = 5000000000',
      ].join('\n'),
    );
    expect(upstreamModeConfig(upstreamModeConfig(config))).toBe(upstreamModeConfig(config));
  });
});

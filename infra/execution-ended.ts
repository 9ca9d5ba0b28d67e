// The path for the ends of an execution that the workflow's own Catch never sees: a state over
// 256 KiB (States.DataLimitExceeded), States.Runtime, a timeout of the whole execution, a person
// stopping it, Halt itself failing (HaltNotRecorded). Step Functions reports every end as an
// EventBridge event; a rule sends FAILED, TIMED_OUT and ABORTED ones of this state machine to the
// AWS worker's `execution-ended` step, which writes the report Halt could not write, marks the
// plan for an operator when the run may have been acting, releases the lock and notifies.
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FunctionTarget } from './rule-targets.js';

/** The statuses of an execution that ended without succeeding (a halted run ends FAILED too). */
export const ENDED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export interface ExecutionEndedProps {
  readonly stateMachine: IStateMachine;
  /** The AWS worker: it runs the `execution-ended` step. */
  readonly worker: IFunction;
  /** Receives the dead-letter alarm. */
  readonly topic: ITopic;
  readonly removalPolicy: RemovalPolicy;
  /**
   * Encrypts the dead-letter queue; EventBridge and the worker's role must be allowed to use it.
   * @default SQS-managed keys
   */
  readonly encryptionKey?: IKey;
}

export class ExecutionEnded extends Construct {
  readonly rule: Rule;
  /**
   * Events the AWS worker never handled: status-change events that never got recorded, and alarm
   * events of the trigger rule (failover-trigger.ts) that started nothing. EventBridge could not
   * invoke the worker, or the worker failed on the event three times (Lambda's asynchronous retries).
   */
  readonly deadLetterQueue: Queue;
  /** Raised by any message in the dead-letter queue: an execution ended and nothing recorded it. */
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: ExecutionEndedProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      // Without a customer managed key, SQS-managed keys: EventBridge and Lambda can send without a
      // key policy to maintain.
      ...(props.encryptionKey
        ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
        : { encryption: QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      // SQS's longest: time for a person to read what could not be recorded.
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });

    this.rule = new Rule(this, 'Rule', {
      description:
        'A failover execution ended FAILED, TIMED_OUT or ABORTED: the AWS worker records what its Halt state could not',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [props.stateMachine.stateMachineArn], status: [...ENDED_STATUSES] },
      },
      // EventBridge's own retries (delivery failures, throttling) for as long as it allows: a late
      // report still frees the lock and tells people.
      targets: [
        new FunctionTarget(props.worker, {
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });

    // EventBridge invokes the worker asynchronously: its DLQ sees delivery failures only, so an
    // event the worker itself fails on goes to the same queue after Lambda's two retries.
    props.worker.configureAsyncInvoke({ retryAttempts: 2, onFailure: sendMessageOnly(this.deadLetterQueue) });

    this.alarm = new Alarm(this, 'Unrecorded', {
      alarmDescription:
        'An event the AWS worker could not handle: a failover execution ended outside its own Catch and nothing recorded it (no report, no notification, and maybe ' +
        `its plan's lock still held), or a plan's alarm entered ALARM and no failover started. The event and the worker's error are in the SQS queue ${this.deadLetterQueue.queueName}; ` +
        'read the execution in Step Functions, or start the failover by hand.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new SnsAction(props.topic));
  }
}

/** Lambda's on-failure destination, granted sqs:SendMessage alone (SqsDestination also grants reads of the queue's attributes and URL). */
const sendMessageOnly = (queue: Queue): IDestination => ({
  bind: (_scope, fn) => {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    return { destination: queue.queueArn };
  },
});

import { describe, expect, it } from '@jest/globals';
import { awsCall, isTransientAwsError } from '../../../lambdas/adapters/aws-retry.js';
import { TransientError } from '../../../lambdas/errors.js';

const sdkError = (name: string, httpStatusCode?: number) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode, requestId: 'req-9' } });

describe('isTransientAwsError', () => {
  it.each([
    ['throttling', sdkError('ThrottlingException', 400)],
    ['Route 53 busy with a prior change', sdkError('PriorRequestNotComplete', 400)],
    ['DynamoDB capacity', sdkError('ProvisionedThroughputExceededException', 400)],
    ['a 5xx of any name', sdkError('InternalFailure', 500)],
    ['a 429', sdkError('SlowDownPlease', 429)],
    ['an SDK timeout', sdkError('TimeoutError')],
    ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('retries %s', (_, err) => {
    expect(isTransientAwsError(err)).toBe(true);
  });

  it.each([
    ['access denied', sdkError('AccessDeniedException', 403)],
    ['a validation error', sdkError('ValidationException', 400)],
    ['a plain string', 'boom'],
    ['null', null],
  ])('does not retry %s', (_, err) => {
    expect(isTransientAwsError(err)).toBe(false);
  });
});

describe('awsCall', () => {
  it('turns a retryable failure into a TransientError that says what failed', async () => {
    const result = awsCall('SNS Publish to topic', () => Promise.reject(sdkError('ServiceUnavailable', 503)));

    await expect(result).rejects.toThrow(TransientError);
    await expect(result).rejects.toThrow('SNS Publish to topic: ServiceUnavailable happened');
  });

  it('passes any other failure through unchanged', async () => {
    const denied = sdkError('AccessDeniedException', 403);

    await expect(awsCall('SNS Publish to topic', () => Promise.reject(denied))).rejects.toBe(denied);
  });
});

// NotifierPort on SNS: one Publish per notification, to a topic people and tools subscribe to.
import {
  PublishCommand,
  SNSClient,
  type MessageAttributeValue,
  type SNSClientConfig,
} from '@aws-sdk/client-sns';
import type { Notification, NotifierPort } from '../ports/notifier.js';
import { awsCall, clientFromOptions } from './aws-retry.js';

export interface SnsNotifierOptions {
  topicArn: string;
  client?: SNSClient;
  clientConfig?: SNSClientConfig;
}

const MAX_SUBJECT_LENGTH = 100;
const ELLIPSIS = '...';

// Typographic punctuation that people (and templates) put in subjects, spelled in ASCII.
const ASCII_PUNCTUATION: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2026': '...',
};

export function createSnsNotifier(options: SnsNotifierOptions): NotifierPort {
  const client = clientFromOptions('createSnsNotifier', options, (config) => new SNSClient(config));
  return {
    async notify(notification: Notification): Promise<void> {
      const subject = snsSubject(notification.subject);
      await awsCall(`SNS Publish to ${options.topicArn}`, () =>
        client.send(
          new PublishCommand({
            TopicArn: options.topicArn,
            ...(subject ? { Subject: subject } : {}),
            Message: notification.message,
            MessageAttributes: messageAttributes(notification.attributes),
          }),
        ),
      );
    },
  };
}

// SNS rejects a Publish whose Subject has line breaks or control characters or exceeds 100
// characters, and its email endpoints expect ASCII: a notification must never fail on its title.
function snsSubject(subject: string): string | undefined {
  const ascii = printableAscii(subject).replace(/ {2,}/g, ' ').trim();
  if (ascii.length <= MAX_SUBJECT_LENGTH) return ascii || undefined;
  return ascii.slice(0, MAX_SUBJECT_LENGTH - ELLIPSIS.length).trimEnd() + ELLIPSIS;
}

function printableAscii(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2018\u2019\u201c\u201d\u2013\u2014\u2026]/g, (c) => ASCII_PUNCTUATION[c] ?? '?')
    .replace(/\s/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?');
}

// SNS rejects empty attribute values, and a value outside printable ASCII is accepted but then
// fails delivery to SQS subscribers.
function messageAttributes(attributes: Record<string, string>): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (value === '') continue;
    out[name] = { DataType: 'String', StringValue: printableAscii(value) };
  }
  return out;
}

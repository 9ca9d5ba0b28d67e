// Tells people what happened. Adapter: SNS; the drill prints.

export interface Notification {
  subject: string;
  message: string;
  /** Machine-readable attributes (plan, execution, status) for subscription filters. */
  attributes: Record<string, string>;
}

export interface NotifierPort {
  notify(notification: Notification): Promise<void>;
}

// The approval gate behind the workflow's `approval` step, in AWS and in a drill alike: it stores
// the request (with its task token, which never leaves the server side) and tells approvers.
// In AWS the workflow then waits on the token; a drill also waits here, in its own process, for
// the decision its console or CLI hands back (`awaitDecision`).
import { BadInputError } from '../errors.js';
import type { NotifierPort } from '../ports/notifier.js';
import { pendingApproval } from './approval-record.js';
import { approvalNotice, type WhereToDecide } from './notice.js';
import type { Approval, ApprovalDecision, ApprovalPort, ApprovalStore } from './port.js';

export interface ApprovalGateOptions {
  store: ApprovalStore;
  notifier: NotifierPort;
  where: WhereToDecide;
  /**
   * A drill's wait for the decision, registered before approvers are told so that none is missed;
   * undefined once the workflow has stopped waiting (the approval's decideBy).
   */
  awaitDecision?(taskToken: string, approval: Approval): Promise<ApprovalDecision | undefined>;
}

export const createApprovalGate = (options: ApprovalGateOptions): ApprovalPort => ({
  async request(request) {
    if (options.awaitDecision && request.taskToken === undefined)
      throw new BadInputError('the drill gate waits on the task token the local runner passes, and got none');
    const approval = pendingApproval(request);
    await options.store.create(approval, request.taskToken);
    const decision = options.awaitDecision?.(request.taskToken!, approval);
    // Sent again by a retried invocation: a second message is better than none.
    await options.notifier.notify(approvalNotice(approval, options.where));
    return decision;
  },
});

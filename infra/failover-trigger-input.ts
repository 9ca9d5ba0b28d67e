// What EventBridge hands the state machine when one of a plan's alarms fires: the workflow input
// `{"plan": <the validated plan>, "trigger": <the whole alarm event>}`.
import { RuleTargetInput, type IRuleRef, type RuleTargetInputProperties } from 'aws-cdk-lib/aws-events';
import type { Plan } from '../lambdas/plan/schema.js';

import { MAX_INPUT_TEMPLATE_CHARS } from '../lambdas/plan/plan-size.js';

// `<aws.events.event.json>` is EventBridge's predefined variable for the whole event. CDK's
// `EventField.fromPath('$')` would map a variable to the root path instead, which is outside the
// JSONPath subset EventBridge documents, and `<aws.events.event>` leaves out `detail`, where the
// alarm name and state that ConfirmAlarm reads live.
const WHOLE_EVENT = '<aws.events.event.json>';

export class FailoverTriggerInput extends RuleTargetInput {
  /** Exactly what the InputTransformer carries; the plan is inlined, so its size counts against the limit. */
  readonly inputTemplate: string;

  constructor(readonly plan: Plan) {
    super();
    this.inputTemplate = `{"plan":${JSON.stringify(plan)},"trigger":${WHOLE_EVENT}}`;
    if (this.inputTemplate.length > MAX_INPUT_TEMPLATE_CHARS) {
      throw new Error(
        `plan ${plan.name}: its EventBridge input template would be ${this.inputTemplate.length} characters, over ` +
          `EventBridge's limit of ${MAX_INPUT_TEMPLATE_CHARS}; the whole plan travels in it, so shorten the plan ` +
          `(its description first) or split the service into several plans.`,
      );
    }
  }

  override bind(_rule: IRuleRef): RuleTargetInputProperties {
    return { inputTemplate: this.inputTemplate };
  }
}

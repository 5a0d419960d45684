/**
 * Node type of the schedule trigger.
 *
 * @example
 * ```ts
 * node.type === SCHEDULE_TRIGGER_TYPE; // 'noodl.trigger.schedule'
 * ```
 */
export const SCHEDULE_TRIGGER_TYPE = 'noodl.trigger.schedule';
/**
 * Node type of the database-change trigger.
 *
 * @example
 * ```ts
 * node.type === DB_CHANGE_TRIGGER_TYPE; // 'noodl.trigger.dbChange'
 * ```
 */
export const DB_CHANGE_TRIGGER_TYPE = 'noodl.trigger.dbChange';
/**
 * Node type of the webhook trigger.
 *
 * @example
 * ```ts
 * node.type === WEBHOOK_TRIGGER_TYPE; // 'noodl.trigger.webhook'
 * ```
 */
export const WEBHOOK_TRIGGER_TYPE = 'noodl.trigger.webhook';

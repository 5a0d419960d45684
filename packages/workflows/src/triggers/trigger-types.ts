/** Node type of the schedule trigger. */
export const SCHEDULE_TRIGGER_TYPE = 'noodl.trigger.schedule';
/** Node type of the database-change trigger. */
export const DB_CHANGE_TRIGGER_TYPE = 'noodl.trigger.dbChange';
/** Node type of the webhook trigger. */
export const WEBHOOK_TRIGGER_TYPE = 'noodl.trigger.webhook';

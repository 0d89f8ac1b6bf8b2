/**
 * The review workflow of a defect. Every transition is made by a person (or, for `reopen` after a new sighting,
 * by clustering) and recorded in the defect's history and the audit trail.
 *
 *   new → confirmed | rejected(reason) ; confirmed → work_ordered → repaired → closed
 *   rejected | repaired | closed → new (reopen) ; new | confirmed → merged (into another defect)
 */
export const DEFECT_STATUSES = [
  'new',
  'confirmed',
  'rejected',
  'work_ordered',
  'repaired',
  'closed',
  'merged',
] as const;
export type DefectStatus = (typeof DEFECT_STATUSES)[number];

/** Why a detection is rejected; `false_positive` is the one that counts against the detector's precision. */
export const REJECT_REASONS = [
  'false_positive',
  'duplicate',
  'not_our_road',
  'below_threshold',
  'already_repaired',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const DEFECT_ACTIONS = ['confirm', 'reject', 'repaired', 'close', 'reopen'] as const;
export type DefectAction = (typeof DEFECT_ACTIONS)[number];

const FROM: Record<DefectAction, readonly DefectStatus[]> = {
  confirm: ['new', 'rejected'],
  reject: ['new', 'confirmed'],
  repaired: ['confirmed', 'work_ordered'],
  close: ['repaired', 'rejected'],
  reopen: ['rejected', 'repaired', 'closed'],
};
const TO: Record<DefectAction, DefectStatus> = {
  confirm: 'confirmed',
  reject: 'rejected',
  repaired: 'repaired',
  close: 'closed',
  reopen: 'new',
};

/** The status after `action`, or undefined when the action does not apply to a defect in `status`. */
export function nextStatus(status: string, action: DefectAction): DefectStatus | undefined {
  return (FROM[action] as readonly string[]).includes(status) ? TO[action] : undefined;
}

export const WORK_ORDER_STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const;
export type WorkOrderStatus = (typeof WORK_ORDER_STATUSES)[number];

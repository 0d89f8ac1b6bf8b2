import { userInfo } from 'node:os';
import { RecordAuditLog, type AuditEntryInput } from '../access/index.js';
import type { RecordStore } from '../store/index.js';

/**
 * Records a write made from the command line in the audit trail. The actor is the CLI run by a local user: whoever
 * can run greenops on the server, or reach its database, acts with every right, and the trail says so.
 */
export async function auditCli(
  records: RecordStore,
  entry: Omit<AuditEntryInput, 'actor' | 'requestId'>,
): Promise<void> {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container's arbitrary uid)
  }
  await new RecordAuditLog(records).record({
    ...entry,
    actor: { kind: 'service', id: 'cli', name: `greenops CLI (${user})` },
    requestId: undefined,
  });
}

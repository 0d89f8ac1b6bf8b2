import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { GreenopsError, errorMessage } from '../../core/index.js';
import { readConfig } from '../runtime.js';

interface Flags {
  api?: string;
  tenant?: string;
  stream?: string;
  limit?: string;
  dryRun?: boolean;
  key?: string;
}

/** The API key to call with: --key, else GREENOPS_API_KEY, else the data dir's bootstrap admin.key. */
function apiKey(flags: Flags): string | undefined {
  if (flags.key) return flags.key;
  if (process.env.GREENOPS_API_KEY) return process.env.GREENOPS_API_KEY;
  const file = join(readConfig().dataDir, 'admin.key');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

function apiBase(flags: Flags): string {
  if (flags.api) return flags.api.replace(/\/$/, '');
  const config = readConfig();
  return `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
}

async function call(url: string, key: string | undefined, init: RequestInit = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
    });
  } catch (err) {
    throw new GreenopsError(
      'BAD_REQUEST',
      `--api: cannot reach ${url}: ${errorMessage(err)} (is greenops running?)`,
      { field: 'api' },
    );
  }
  const body = (await res.json()) as { error?: { message: string } };
  if (!res.ok) throw new GreenopsError('BAD_REQUEST', body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

/** Dead-letter commands talk to a running greenops API, which owns the stores and the broker connection. */
export function registerDeadLetterCommands(program: Command): void {
  const group = program
    .command('dead-letters')
    .description('inspect and replay refused input (through a running greenops API)');
  const common = (c: Command) =>
    c
      .option('--api <url>', 'greenops API base URL (default http://127.0.0.1:$PORT)')
      .option('--key <key>', 'API key (default: $GREENOPS_API_KEY, else <data dir>/admin.key)')
      .option('--tenant <tenant>', 'only this tenant')
      .option('--stream <stream>', 'only this stream');

  common(group.command('reasons'))
    .description('count dead letters by kind of reason')
    .action(async (flags: Flags) => {
      const params = new URLSearchParams();
      if (flags.tenant) params.set('tenant', flags.tenant);
      if (flags.stream) params.set('stream', flags.stream);
      const body = (await call(`${apiBase(flags)}/api/v1/dead-letters/reasons?${params}`, apiKey(flags))) as {
        total: number;
        reasons: { reason: string; count: number }[];
      };
      console.log(`${body.total} dead letters`);
      for (const r of body.reasons) console.log(`${String(r.count).padStart(8)}  ${r.reason}`);
    });

  common(group.command('replay'))
    .description('send dead letters that pass validation now through the ingest again, and remove them')
    .option('--limit <n>', 'most entries to examine', '10000')
    .option('--dry-run', 'only count what would be replayed')
    .action(async (flags: Flags) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new GreenopsError('BAD_REQUEST', `--limit: "${flags.limit}" must be a positive whole number`, {
          field: 'limit',
        });
      const report = (await call(`${apiBase(flags)}/api/v1/dead-letters/replay`, apiKey(flags), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          tenant: flags.tenant,
          stream: flags.stream,
          limit,
          dryRun: flags.dryRun ?? false,
        }),
      })) as { examined: number; replayed: number; stillInvalid: number; skipped: number; dryRun: boolean };
      const verb = report.dryRun ? 'would replay' : 'replayed';
      console.log(
        `examined ${report.examined}: ${verb} ${report.replayed}, still invalid ${report.stillInvalid}, not replayable ${report.skipped}`,
      );
    });
}

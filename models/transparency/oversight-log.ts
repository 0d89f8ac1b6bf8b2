import type { MigrationSet, RecordStore } from '../../store/index.js';

/**
 * Human decisions on AI outputs (EU AI Act Art. 14, human oversight): a person confirmed an output or overturned
 * it. Invoice corrections live in the invoice ledger and are read from there; this table holds the others
 * (publishing or withdrawing an energy model version, road-damage reviews, a checked ÅDT figure).
 */
export const OVERSIGHT_MIGRATIONS: MigrationSet = {
  component: 'oversight',
  migrations: [
    {
      version: 1,
      name: 'human decisions on AI outputs',
      sql: `
        CREATE TABLE oversight_decisions (
          id bigserial PRIMARY KEY,
          at timestamptz NOT NULL DEFAULT now(),
          tenant text NOT NULL,
          model_id text NOT NULL,
          model_version text,
          output_id text NOT NULL,
          decision text NOT NULL CHECK (decision IN ('confirmed', 'overturned')),
          note text,
          actor_id text NOT NULL,
          actor_name text
        );
        CREATE INDEX oversight_decisions_model ON oversight_decisions (tenant, model_id, id DESC);`,
    },
  ],
};

export const DECISIONS = ['confirmed', 'overturned'] as const;
export type Decision = (typeof DECISIONS)[number];

export interface OversightDecision {
  id: number;
  at: string;
  modelId: string;
  modelVersion: string | undefined;
  outputId: string;
  decision: Decision;
  note: string | undefined;
  decidedBy: string;
}

export interface OversightCounts {
  /** Distinct outputs a person decided on. */
  checked: number;
  /** Of those, outputs whose latest decision overturned the model. */
  overturned: number;
}

interface Row {
  id: number;
  at: Date;
  model_id: string;
  model_version: string | null;
  output_id: string;
  decision: Decision;
  note: string | null;
  actor_id: string;
  actor_name: string | null;
}

export class OversightLog {
  constructor(private readonly records: RecordStore) {}

  async record(entry: {
    tenant: string;
    modelId: string;
    modelVersion: string | undefined;
    outputId: string;
    decision: Decision;
    note: string | undefined;
    actor: { id: string; name: string | undefined };
  }): Promise<OversightDecision> {
    const [row] = await this.records.query<Row>(
      `INSERT INTO oversight_decisions (tenant, model_id, model_version, output_id, decision, note, actor_id, actor_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        entry.tenant,
        entry.modelId,
        entry.modelVersion ?? null,
        entry.outputId,
        entry.decision,
        entry.note ?? null,
        entry.actor.id,
        entry.actor.name ?? null,
      ],
    );
    return toDecision(row as Row);
  }

  /** Newest first; `beforeId` pages on. */
  async list(
    tenant: string,
    modelId: string,
    limit: number,
    beforeId?: number,
  ): Promise<OversightDecision[]> {
    const rows = await this.records.query<Row>(
      `SELECT * FROM oversight_decisions WHERE tenant = $1 AND model_id = $2 AND ($3::bigint IS NULL OR id < $3)
       ORDER BY id DESC LIMIT $4`,
      [tenant, modelId, beforeId ?? null, limit],
    );
    return rows.map(toDecision);
  }

  async counts(tenant: string, modelId: string): Promise<OversightCounts> {
    const [row] = await this.records.query<{ checked: number; overturned: number }>(
      `SELECT count(*)::int AS checked, count(*) FILTER (WHERE decision = 'overturned')::int AS overturned
       FROM (SELECT DISTINCT ON (output_id) output_id, decision FROM oversight_decisions
             WHERE tenant = $1 AND model_id = $2 ORDER BY output_id, id DESC) latest`,
      [tenant, modelId],
    );
    return { checked: Number(row?.checked ?? 0), overturned: Number(row?.overturned ?? 0) };
  }
}

function toDecision(r: Row): OversightDecision {
  return {
    id: Number(r.id),
    at: new Date(r.at).toISOString(),
    modelId: r.model_id,
    modelVersion: r.model_version ?? undefined,
    outputId: r.output_id,
    decision: r.decision,
    note: r.note ?? undefined,
    decidedBy: r.actor_name ? `${r.actor_name} (${r.actor_id})` : r.actor_id,
  };
}

import type { DamageClass, DecodedRecord } from '../../core/index.js';
import type { DefectTracker } from './defect-tracker.js';

/**
 * The ingest's per-stream hooks for road inspection: every valid road detection goes to defect clustering, and
 * every fleet position to coverage and missed passes (the tracker keeps only camera vehicles'). Structurally the
 * ingest's `StreamHooks`; models do not import the ingest.
 */
export function roadIngestHooks(tracker: DefectTracker): {
  road: (r: DecodedRecord) => Promise<void>;
  fleet: (r: DecodedRecord) => Promise<void>;
} {
  return {
    road: (decoded) => {
      const r = decoded.record as {
        id: string;
        vehicleId?: string;
        lat: number;
        lon: number;
        headingDeg?: number;
        damage: DamageClass;
        confidence: number;
        bbox: { x: number; y: number; w: number; h: number };
        imageRef?: string;
        modelVersion?: string;
      };
      return tracker.addDetection({
        id: r.id,
        tenant: decoded.tenant,
        device: decoded.points[0]?.tags.device ?? decoded.deviceId,
        vehicle: r.vehicleId,
        timeMs: decoded.timeMs,
        lat: r.lat,
        lon: r.lon,
        headingDeg: r.headingDeg,
        damage: r.damage,
        confidence: r.confidence,
        bbox: r.bbox,
        imageRef: r.imageRef,
        modelVersion: r.modelVersion,
      });
    },
    fleet: (decoded) => {
      const r = decoded.record as { vehicleId?: string; lat: number; lon: number };
      return tracker.addPosition(
        decoded.tenant,
        r.vehicleId ?? decoded.deviceId,
        decoded.timeMs,
        r.lat,
        r.lon,
      );
    },
  };
}

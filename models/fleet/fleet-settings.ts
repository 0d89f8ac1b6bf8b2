/** A depot or other site where vehicles are kept, configured or learned from overnight parking. */
export interface FleetSite {
  id: string;
  lat: number;
  lon: number;
  /** A position within this many metres is at the site. */
  radiusM: number;
}

/**
 * Thresholds of trip and stop extraction, sites and utilisation. Defaults in DEFAULT_FLEET_SETTINGS; the server
 * takes them from GREENOPS_FLEET_* variables, the CLI from flags.
 */
export interface FleetSettings {
  /** A trip shorter than this (seconds, first ignition-on to stop) is dropped as a manoeuvre. */
  minTripSeconds: number;
  /** A trip shorter than this (km) is dropped. */
  minTripKm: number;
  /** Ignition off at least this long (seconds) ends a trip; a shorter break is part of it. */
  minParkingSeconds: number;
  /** No sample for this long (seconds) is treated as a stop: the trip ends at the last sample before the gap. */
  maxGapSeconds: number;
  /** Speed at or below this (km/h) with ignition on counts as idling. */
  idleSpeedKmh: number;
  /** A position implying a faster move than this from the last good one is a GPS jump and skipped. */
  maxJumpKmh: number;
  /** Trip ends away from a site are rounded to a grid of this many metres. */
  gridMetres: number;
  /** Sites; empty: learned from where vehicles park overnight. */
  sites: FleetSite[];
  /** Radius of a learned site. */
  learnedSiteRadiusM: number;
  /** Local working hours [from, to) for utilisation (hours since midnight). */
  workingHours: [number, number];
}

export const DEFAULT_FLEET_SETTINGS: Readonly<FleetSettings> = {
  minTripSeconds: 60,
  minTripKm: 0.2,
  minParkingSeconds: 300,
  maxGapSeconds: 900,
  idleSpeedKmh: 2,
  maxJumpKmh: 250,
  gridMetres: 100,
  sites: [],
  learnedSiteRadiusM: 300,
  workingHours: [7, 16],
};

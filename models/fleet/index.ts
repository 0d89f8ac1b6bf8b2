export { DEFAULT_FLEET_SETTINGS, type FleetSettings, type FleetSite } from './fleet-settings.js';
export {
  DEFAULT_FLEET_DEFAULTS,
  evModelOf,
  rangeShareAt,
  readFleetDefaults,
  validateFleetDefaults,
  LEGACY_CLASS,
  type BevSpec,
  type EvModel,
  type FleetDefaults,
  type IceSpec,
  type FleetVehicleClass,
} from './fleet-defaults.js';
export {
  parseVehicleRegister,
  readVehicleRegister,
  resolveVehicleClass,
  REGISTER_COLUMNS,
  type ClassSource,
  type EvModelSource,
  type RegisterEntry,
  type RegisterFuel,
  type VehicleCosting,
  type VehicleRegister,
} from './vehicle-classes.js';
export { TripExtractor, type RawTrip, type NightCell } from './trip-extractor.js';
export { FleetPool, type FleetSample } from './fleet-pool.js';
export { haversineM, gridCell } from './geo.js';
export { DanishClock, dayCount, localDate, dayOfDate } from './local-clock.js';
export { learnSites, nearestSite, type VehicleHome } from './sites.js';
export { roundTrips, summariseTrip, type RoundTrip, type TripSummary } from './trips.js';
export { driveCo2, type Co2Estimate, type Co2Method, type Powertrain } from './fleet-co2.js';
export { tco, annuityFactor, ownershipPerYear, type Tco, type YearlyCosts } from './tco.js';
export {
  evSuitability,
  dayTemperature,
  type EvSuitability,
  type EvVerdict,
  type FailedDay,
} from './ev-suitability.js';
export { rightSizing, type RightSizing } from './right-sizing.js';
export {
  vehicleTimeline,
  percentile,
  type VehicleTrips,
  type VehicleTimeline,
  type VehicleDay,
} from './vehicle-days.js';
export {
  availabilityCurve,
  vehicleUtilisation,
  type HourAvailability,
  type VehicleUtilisation,
} from './utilisation.js';
export {
  fleetReport,
  type FleetReport,
  type EvModelRef,
  type FleetReportInput,
  type RightSizingExclusion,
  type SiteRow,
  type TripRow,
  type VehicleRow,
} from './fleet-report.js';
export { FLEET_SAMPLE_FIELDS, loadFleetPool, type LoadFleetOptions } from './load-fleet.js';
export {
  fleetResultPoints,
  FLEET_TRIP_MEASUREMENT,
  FLEET_DAILY_MEASUREMENT,
  FLEET_EV_MEASUREMENT,
  FLEET_AVAILABILITY_MEASUREMENT,
} from './fleet-results.js';
export { FleetService, type FleetServiceOptions, type TenantFleet } from './use-cases.js';
export { FleetResultsJob, type FleetResultsJobOptions } from './results-job.js';
export { loadTripSummaries, type StoredTrips } from './load-trip-summaries.js';

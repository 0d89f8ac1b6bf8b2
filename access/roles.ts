/**
 * The roles of greenops. A role is granted for one tenant (a municipality), except `platform-admin`, which
 * covers every tenant. `device` is for MQTT only: a device credential never opens the HTTP API.
 */
export const ROLES = [
  'platform-admin',
  'tenant-admin',
  'facility',
  'fleet',
  'roads',
  'climate',
  'viewer',
  'monitoring',
  'device',
] as const;

export type Role = (typeof ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  'platform-admin': 'Operates greenops: every tenant, keys of any role, dead letters, metrics.',
  'tenant-admin': 'Administers one municipality: its keys, devices and audit trail; reads all of its data.',
  facility: 'Facility managers: energy series, forecasts, waste and savings of their tenant.',
  fleet: 'Fleet planners: fleet series and analyses of their tenant.',
  roads: 'Road departments: traffic and road series, defects and reviews of their tenant.',
  climate: 'Climate officers: the invoice CO₂ account (upload, review, retrain) and energy of their tenant.',
  viewer: 'Reads everything of its tenant, changes nothing.',
  monitoring: 'Scrapes /metrics (Prometheus); nothing else.',
  device: 'MQTT only: publishes its own stream and device id.',
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

import type { FleetDefaults } from './fleet-defaults.js';

/** What owning and running a vehicle costs a year, before discounting. */
export interface YearlyCosts {
  energyDkk: number;
  maintenanceDkk: number;
  taxDkk: number;
  insuranceDkk: number;
  co2Dkk: number;
  /** A leased vehicle's yearly lease (then no purchase and no residual value); 0 when bought. */
  leaseDkk?: number;
}

export interface Tco {
  /** Net present value of the horizon's costs: purchase − discounted residual + discounted yearly costs. */
  npvDkk: number;
  /** The NPV as an equal yearly amount (annuity at the discount rate). */
  perYearDkk: number;
  purchaseDkk: number;
  residualDkk: number;
  yearly: YearlyCosts;
}

/** Capital recovery factor: turns a present value into equal yearly amounts over `years` at `rate`. */
export function annuityFactor(rate: number, years: number): number {
  return rate === 0 ? 1 / years : rate / (1 - (1 + rate) ** -years);
}

/**
 * Total cost of ownership by the Danish TCO method (Miljøstyrelsen's TCO tool for the public procurement
 * partnership): purchase now, the same yearly costs at the end of each year discounted at `tco.discountRate`,
 * and the residual value at the end of `tco.years` discounted back.
 */
export function tco(
  defaults: FleetDefaults,
  purchaseDkk: number,
  residualShare: number,
  yearly: YearlyCosts,
): Tco {
  const { discountRate: r, years } = defaults.tco;
  const annual =
    yearly.energyDkk +
    yearly.maintenanceDkk +
    yearly.taxDkk +
    yearly.insuranceDkk +
    yearly.co2Dkk +
    (yearly.leaseDkk ?? 0);
  let pv = 0;
  for (let y = 1; y <= years; y++) pv += annual / (1 + r) ** y;
  const residual = purchaseDkk * residualShare;
  const npv = purchaseDkk - residual / (1 + r) ** years + pv;
  return {
    npvDkk: npv,
    perYearDkk: npv * annuityFactor(r, years),
    purchaseDkk,
    residualDkk: residual,
    yearly,
  };
}

/**
 * The yearly cost of only having a vehicle (capital or lease, tax, insurance): what removing it from the pool saves.
 */
export function ownershipPerYear(
  defaults: FleetDefaults,
  o: {
    purchaseDkk: number;
    residualShare: number;
    annualTaxDkk: number;
    annualInsuranceDkk: number;
    leaseDkkPerYear?: number;
  },
): number {
  const zero = { energyDkk: 0, maintenanceDkk: 0, co2Dkk: 0 };
  return tco(defaults, o.purchaseDkk, o.residualShare, {
    ...zero,
    taxDkk: o.annualTaxDkk,
    insuranceDkk: o.annualInsuranceDkk,
    ...(o.leaseDkkPerYear ? { leaseDkk: o.leaseDkkPerYear } : {}),
  }).perYearDkk;
}

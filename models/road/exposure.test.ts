import { describe, expect, it } from 'vitest';
import { CounterExposure, priorityOf } from './exposure.js';

describe('exposure of a defect to traffic', () => {
  const exposure = new CounterExposure({
    locations: {
      'c-near': { lat: 56.15, lon: 10.2 },
      'c-far': { lat: 56.2, lon: 10.3 },
      'c-none': { lat: 56.15, lon: 10.2001 },
    },
    maxDistanceM: 500,
    defaultAadt: 2000,
  });

  it('takes the road class before any counter has an ÅDT', () => {
    expect(exposure.exposureAt('aarhus', { lat: 56.1501, lon: 10.2 })).toEqual({
      aadt: 2000,
      source: 'road-class',
    });
  });

  it('takes the nearest counter with an ÅDT within reach, per tenant', async () => {
    const set = await exposure.refresh('aarhus', async (c) => ({ 'c-near': 12_000, 'c-far': 30_000 })[c]);
    expect(set).toBe(2);
    expect(exposure.exposureAt('aarhus', { lat: 56.1501, lon: 10.2 })).toEqual({
      aadt: 12_000,
      source: 'counter:c-near',
    });
    expect(exposure.exposureAt('aarhus', { lat: 56.17, lon: 10.25 })).toEqual({
      aadt: 2000,
      source: 'road-class',
    });
    expect(exposure.exposureAt('odense', { lat: 56.1501, lon: 10.2 })).toMatchObject({
      source: 'road-class',
    });
  });

  it('makes priority severity × thousands of vehicles a day', () => {
    expect(priorityOf(4, 10_000)).toBe(40);
    expect(priorityOf(1, 2000)).toBe(2);
  });
});

import { categoryForUnspsc, type FactorTable } from './factor-table.js';

/**
 * CPV (Common Procurement Vocabulary, Regulation (EC) 2195/2002), the code EU public buyers put on tenders and
 * often on invoice lines: prefixes (division, group, class) to the factor table's categories, longest first. Written
 * from the CPV division and group titles.
 */
const CPV: [string, string][] = [
  ['0931', 'electricity'],
  ['09323', 'district_heating'],
  ['0932', 'district_heating'],
  ['09121', 'natural_gas'],
  ['09123', 'natural_gas'],
  ['0912', 'natural_gas'],
  ['09134', 'diesel'],
  ['09132', 'petrol'],
  ['09135', 'heating_oil'],
  ['0913', 'diesel'],
  ['03', 'food_catering'],
  ['15', 'food_catering'],
  ['14', 'building_materials'],
  ['18', 'clothing'],
  ['19', 'clothing'],
  ['22', 'office_supplies'],
  ['30192', 'office_supplies'],
  ['30197', 'office_supplies'],
  ['30199', 'office_supplies'],
  ['3019', 'office_supplies'],
  ['302', 'it_equipment'],
  ['301', 'it_equipment'],
  ['30', 'it_equipment'],
  ['31', 'tools_machinery'],
  ['32', 'it_equipment'],
  ['33', 'medical_supplies'],
  ['3435', 'vehicle_service'],
  ['3433', 'vehicle_service'],
  ['341', 'vehicles'],
  ['344', 'vehicles'],
  ['34', 'vehicles'],
  ['35', 'tools_machinery'],
  ['37', 'office_supplies'],
  ['38', 'tools_machinery'],
  ['3983', 'cleaning'],
  ['3922', 'food_catering'],
  ['39', 'furniture'],
  ['42', 'tools_machinery'],
  ['43', 'tools_machinery'],
  ['44', 'building_materials'],
  ['45', 'construction_works'],
  ['48', 'it_services'],
  ['501', 'vehicle_service'],
  ['503', 'it_services'],
  ['50', 'construction_works'],
  ['51', 'construction_works'],
  ['551', 'travel'],
  ['552', 'travel'],
  ['55', 'food_catering'],
  ['601', 'transport_services'],
  ['60', 'transport_services'],
  ['635', 'travel'],
  ['63', 'transport_services'],
  ['641', 'transport_services'],
  ['642', 'it_services'],
  ['6511', 'water'],
  ['651', 'water'],
  ['652', 'natural_gas'],
  ['653', 'electricity'],
  ['65', 'electricity'],
  ['66', 'professional_services'],
  ['70', 'professional_services'],
  ['71', 'professional_services'],
  ['72', 'it_services'],
  ['73', 'professional_services'],
  ['75', 'professional_services'],
  ['77', 'construction_works'],
  ['79', 'professional_services'],
  ['80', 'professional_services'],
  ['85', 'professional_services'],
  ['904', 'water'],
  ['905', 'waste'],
  ['909', 'cleaning'],
  ['90', 'waste'],
  ['92', 'professional_services'],
  ['98', 'professional_services'],
].sort((a, b) => (b[0] as string).length - (a[0] as string).length) as [string, string][];

/** CPV codes look like 09310000-5 (eight digits and a check digit); the check digit is optional here. */
const CPV_CODE = /^(\d{8})(-\d)?$/;

/** The category of a CPV code by its longest known prefix. */
export function categoryForCpv(code: string): string | undefined {
  const m = CPV_CODE.exec(code.trim());
  if (!m) return undefined;
  const digits = m[1] as string;
  return CPV.find(([prefix]) => digits.startsWith(prefix))?.[1];
}

/**
 * A line's category from its classification codes: UNSPSC through the factor table, CPV through the table above,
 * ISBN/ISSN (UNCL 7143 "IB", "IS"): printed matter. Undefined when no code says.
 */
export function categoryForCodes(
  table: FactorTable,
  unspsc: string | undefined,
  codes: readonly { list: string; code: string }[] | undefined,
): { category: string; by: 'unspsc' | 'cpv' | 'isbn'; code: string } | undefined {
  if (unspsc) {
    const category = categoryForUnspsc(table, unspsc);
    if (category) return { category, by: 'unspsc', code: unspsc };
  }
  for (const { list, code } of codes ?? []) {
    if (list === 'CPV' || (list !== 'TST' && list !== 'UNSPSC' && CPV_CODE.test(code))) {
      const category = categoryForCpv(code);
      if (category && table.categories[category]) return { category, by: 'cpv', code };
    }
    if (
      (list === 'IB' || list === 'IS' || list === 'ISBN' || list === 'ISSN') &&
      table.categories.office_supplies
    )
      return { category: 'office_supplies', by: 'isbn', code };
  }
  return undefined;
}

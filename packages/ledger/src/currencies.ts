/**
 * Active ISO 4217 currencies and the number of digits of their minor unit.
 *
 * Source: ISO 4217 List One ("current currency & funds"), edition published 2026-01-01. Entries
 * whose minor unit is "N.A." are left out because no account can hold an integer count of their
 * minor units: SDR (XDR), ADB unit (XUA), Sucre (XSU), bond-market units (XBA to XBD), precious
 * metals (XAU, XAG, XPD, XPT), the testing code XTS and "no currency" XXX. Fund codes that have
 * minor units (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) are kept.
 *
 * Recently withdrawn codes are absent (HRK, SLL, ZWL, CUC, ANG, BGN): new accounts cannot use
 * them. Replaying old events never consults this table, so history in a withdrawn currency still
 * folds.
 */

export interface CurrencyInfo {
  /** Digits after the decimal point: 2 means 100 minor units make one major unit. */
  readonly minorUnits: 0 | 2 | 3 | 4;
  /** The ISO 4217 currency name. */
  readonly name: string;
}

export const ISO_4217_EDITION = '2026-01-01';

export const CURRENCIES = {
  AED: { minorUnits: 2, name: 'UAE Dirham' },
  AFN: { minorUnits: 2, name: 'Afghani' },
  ALL: { minorUnits: 2, name: 'Lek' },
  AMD: { minorUnits: 2, name: 'Armenian Dram' },
  AOA: { minorUnits: 2, name: 'Kwanza' },
  ARS: { minorUnits: 2, name: 'Argentine Peso' },
  AUD: { minorUnits: 2, name: 'Australian Dollar' },
  AWG: { minorUnits: 2, name: 'Aruban Florin' },
  AZN: { minorUnits: 2, name: 'Azerbaijan Manat' },
  BAM: { minorUnits: 2, name: 'Convertible Mark' },
  BBD: { minorUnits: 2, name: 'Barbados Dollar' },
  BDT: { minorUnits: 2, name: 'Taka' },
  BHD: { minorUnits: 3, name: 'Bahraini Dinar' },
  BIF: { minorUnits: 0, name: 'Burundi Franc' },
  BMD: { minorUnits: 2, name: 'Bermudian Dollar' },
  BND: { minorUnits: 2, name: 'Brunei Dollar' },
  BOB: { minorUnits: 2, name: 'Boliviano' },
  BOV: { minorUnits: 2, name: 'Mvdol' },
  BRL: { minorUnits: 2, name: 'Brazilian Real' },
  BSD: { minorUnits: 2, name: 'Bahamian Dollar' },
  BTN: { minorUnits: 2, name: 'Ngultrum' },
  BWP: { minorUnits: 2, name: 'Pula' },
  BYN: { minorUnits: 2, name: 'Belarusian Ruble' },
  BZD: { minorUnits: 2, name: 'Belize Dollar' },
  CAD: { minorUnits: 2, name: 'Canadian Dollar' },
  CDF: { minorUnits: 2, name: 'Congolese Franc' },
  CHE: { minorUnits: 2, name: 'WIR Euro' },
  CHF: { minorUnits: 2, name: 'Swiss Franc' },
  CHW: { minorUnits: 2, name: 'WIR Franc' },
  CLF: { minorUnits: 4, name: 'Unidad de Fomento' },
  CLP: { minorUnits: 0, name: 'Chilean Peso' },
  CNY: { minorUnits: 2, name: 'Yuan Renminbi' },
  COP: { minorUnits: 2, name: 'Colombian Peso' },
  COU: { minorUnits: 2, name: 'Unidad de Valor Real' },
  CRC: { minorUnits: 2, name: 'Costa Rican Colon' },
  CUP: { minorUnits: 2, name: 'Cuban Peso' },
  CVE: { minorUnits: 2, name: 'Cabo Verde Escudo' },
  CZK: { minorUnits: 2, name: 'Czech Koruna' },
  DJF: { minorUnits: 0, name: 'Djibouti Franc' },
  DKK: { minorUnits: 2, name: 'Danish Krone' },
  DOP: { minorUnits: 2, name: 'Dominican Peso' },
  DZD: { minorUnits: 2, name: 'Algerian Dinar' },
  EGP: { minorUnits: 2, name: 'Egyptian Pound' },
  ERN: { minorUnits: 2, name: 'Nakfa' },
  ETB: { minorUnits: 2, name: 'Ethiopian Birr' },
  EUR: { minorUnits: 2, name: 'Euro' },
  FJD: { minorUnits: 2, name: 'Fiji Dollar' },
  FKP: { minorUnits: 2, name: 'Falkland Islands Pound' },
  GBP: { minorUnits: 2, name: 'Pound Sterling' },
  GEL: { minorUnits: 2, name: 'Lari' },
  GHS: { minorUnits: 2, name: 'Ghana Cedi' },
  GIP: { minorUnits: 2, name: 'Gibraltar Pound' },
  GMD: { minorUnits: 2, name: 'Dalasi' },
  GNF: { minorUnits: 0, name: 'Guinean Franc' },
  GTQ: { minorUnits: 2, name: 'Quetzal' },
  GYD: { minorUnits: 2, name: 'Guyana Dollar' },
  HKD: { minorUnits: 2, name: 'Hong Kong Dollar' },
  HNL: { minorUnits: 2, name: 'Lempira' },
  HTG: { minorUnits: 2, name: 'Gourde' },
  HUF: { minorUnits: 2, name: 'Forint' },
  IDR: { minorUnits: 2, name: 'Rupiah' },
  ILS: { minorUnits: 2, name: 'New Israeli Sheqel' },
  INR: { minorUnits: 2, name: 'Indian Rupee' },
  IQD: { minorUnits: 3, name: 'Iraqi Dinar' },
  IRR: { minorUnits: 2, name: 'Iranian Rial' },
  ISK: { minorUnits: 0, name: 'Iceland Krona' },
  JMD: { minorUnits: 2, name: 'Jamaican Dollar' },
  JOD: { minorUnits: 3, name: 'Jordanian Dinar' },
  JPY: { minorUnits: 0, name: 'Yen' },
  KES: { minorUnits: 2, name: 'Kenyan Shilling' },
  KGS: { minorUnits: 2, name: 'Som' },
  KHR: { minorUnits: 2, name: 'Riel' },
  KMF: { minorUnits: 0, name: 'Comorian Franc' },
  KPW: { minorUnits: 2, name: 'North Korean Won' },
  KRW: { minorUnits: 0, name: 'Won' },
  KWD: { minorUnits: 3, name: 'Kuwaiti Dinar' },
  KYD: { minorUnits: 2, name: 'Cayman Islands Dollar' },
  KZT: { minorUnits: 2, name: 'Tenge' },
  LAK: { minorUnits: 2, name: 'Lao Kip' },
  LBP: { minorUnits: 2, name: 'Lebanese Pound' },
  LKR: { minorUnits: 2, name: 'Sri Lanka Rupee' },
  LRD: { minorUnits: 2, name: 'Liberian Dollar' },
  LSL: { minorUnits: 2, name: 'Loti' },
  LYD: { minorUnits: 3, name: 'Libyan Dinar' },
  MAD: { minorUnits: 2, name: 'Moroccan Dirham' },
  MDL: { minorUnits: 2, name: 'Moldovan Leu' },
  MGA: { minorUnits: 2, name: 'Malagasy Ariary' },
  MKD: { minorUnits: 2, name: 'Denar' },
  MMK: { minorUnits: 2, name: 'Kyat' },
  MNT: { minorUnits: 2, name: 'Tugrik' },
  MOP: { minorUnits: 2, name: 'Pataca' },
  MRU: { minorUnits: 2, name: 'Ouguiya' },
  MUR: { minorUnits: 2, name: 'Mauritius Rupee' },
  MVR: { minorUnits: 2, name: 'Rufiyaa' },
  MWK: { minorUnits: 2, name: 'Malawi Kwacha' },
  MXN: { minorUnits: 2, name: 'Mexican Peso' },
  MXV: { minorUnits: 2, name: 'Mexican Unidad de Inversion (UDI)' },
  MYR: { minorUnits: 2, name: 'Malaysian Ringgit' },
  MZN: { minorUnits: 2, name: 'Mozambique Metical' },
  NAD: { minorUnits: 2, name: 'Namibia Dollar' },
  NGN: { minorUnits: 2, name: 'Naira' },
  NIO: { minorUnits: 2, name: 'Cordoba Oro' },
  NOK: { minorUnits: 2, name: 'Norwegian Krone' },
  NPR: { minorUnits: 2, name: 'Nepalese Rupee' },
  NZD: { minorUnits: 2, name: 'New Zealand Dollar' },
  OMR: { minorUnits: 3, name: 'Rial Omani' },
  PAB: { minorUnits: 2, name: 'Balboa' },
  PEN: { minorUnits: 2, name: 'Sol' },
  PGK: { minorUnits: 2, name: 'Kina' },
  PHP: { minorUnits: 2, name: 'Philippine Peso' },
  PKR: { minorUnits: 2, name: 'Pakistan Rupee' },
  PLN: { minorUnits: 2, name: 'Zloty' },
  PYG: { minorUnits: 0, name: 'Guarani' },
  QAR: { minorUnits: 2, name: 'Qatari Rial' },
  RON: { minorUnits: 2, name: 'Romanian Leu' },
  RSD: { minorUnits: 2, name: 'Serbian Dinar' },
  RUB: { minorUnits: 2, name: 'Russian Ruble' },
  RWF: { minorUnits: 0, name: 'Rwanda Franc' },
  SAR: { minorUnits: 2, name: 'Saudi Riyal' },
  SBD: { minorUnits: 2, name: 'Solomon Islands Dollar' },
  SCR: { minorUnits: 2, name: 'Seychelles Rupee' },
  SDG: { minorUnits: 2, name: 'Sudanese Pound' },
  SEK: { minorUnits: 2, name: 'Swedish Krona' },
  SGD: { minorUnits: 2, name: 'Singapore Dollar' },
  SHP: { minorUnits: 2, name: 'Saint Helena Pound' },
  SLE: { minorUnits: 2, name: 'Leone' },
  SOS: { minorUnits: 2, name: 'Somali Shilling' },
  SRD: { minorUnits: 2, name: 'Surinam Dollar' },
  SSP: { minorUnits: 2, name: 'South Sudanese Pound' },
  STN: { minorUnits: 2, name: 'Dobra' },
  SVC: { minorUnits: 2, name: 'El Salvador Colon' },
  SYP: { minorUnits: 2, name: 'Syrian Pound' },
  SZL: { minorUnits: 2, name: 'Lilangeni' },
  THB: { minorUnits: 2, name: 'Baht' },
  TJS: { minorUnits: 2, name: 'Somoni' },
  TMT: { minorUnits: 2, name: 'Turkmenistan New Manat' },
  TND: { minorUnits: 3, name: 'Tunisian Dinar' },
  TOP: { minorUnits: 2, name: 'Pa’anga' },
  TRY: { minorUnits: 2, name: 'Turkish Lira' },
  TTD: { minorUnits: 2, name: 'Trinidad and Tobago Dollar' },
  TWD: { minorUnits: 2, name: 'New Taiwan Dollar' },
  TZS: { minorUnits: 2, name: 'Tanzanian Shilling' },
  UAH: { minorUnits: 2, name: 'Hryvnia' },
  UGX: { minorUnits: 0, name: 'Uganda Shilling' },
  USD: { minorUnits: 2, name: 'US Dollar' },
  USN: { minorUnits: 2, name: 'US Dollar (Next day)' },
  UYI: { minorUnits: 0, name: 'Uruguay Peso en Unidades Indexadas (UI)' },
  UYU: { minorUnits: 2, name: 'Peso Uruguayo' },
  UYW: { minorUnits: 4, name: 'Unidad Previsional' },
  UZS: { minorUnits: 2, name: 'Uzbekistan Sum' },
  VED: { minorUnits: 2, name: 'Bolívar Soberano (digital)' },
  VES: { minorUnits: 2, name: 'Bolívar Soberano' },
  VND: { minorUnits: 0, name: 'Dong' },
  VUV: { minorUnits: 0, name: 'Vatu' },
  WST: { minorUnits: 2, name: 'Tala' },
  XAD: { minorUnits: 2, name: 'Arab Accounting Dinar' },
  XAF: { minorUnits: 0, name: 'CFA Franc BEAC' },
  XCD: { minorUnits: 2, name: 'East Caribbean Dollar' },
  XCG: { minorUnits: 2, name: 'Caribbean Guilder' },
  XOF: { minorUnits: 0, name: 'CFA Franc BCEAO' },
  XPF: { minorUnits: 0, name: 'CFP Franc' },
  YER: { minorUnits: 2, name: 'Yemeni Rial' },
  ZAR: { minorUnits: 2, name: 'Rand' },
  ZMW: { minorUnits: 2, name: 'Zambian Kwacha' },
  ZWG: { minorUnits: 2, name: 'Zimbabwe Gold' },
} as const satisfies Readonly<Record<string, CurrencyInfo>>;

/** An active ISO 4217 alphabetic code, e.g. 'EUR'. */
export type CurrencyCode = keyof typeof CURRENCIES;

/** Every code of CURRENCIES, in alphabetical order. */
export const CURRENCY_CODES: readonly CurrencyCode[] = Object.freeze(
  (Object.keys(CURRENCIES) as CurrencyCode[]).sort(),
);

/** True for an active ISO 4217 alphabetic code, exactly as listed (upper case, no spaces). */
export function isCurrencyCode(value: unknown): value is CurrencyCode {
  return typeof value === 'string' && Object.hasOwn(CURRENCIES, value);
}

/** Digits of the minor unit: 2 for EUR (cents), 0 for JPY, 3 for BHD. */
export function minorUnitsOf(code: CurrencyCode): CurrencyInfo['minorUnits'] {
  return CURRENCIES[code].minorUnits;
}

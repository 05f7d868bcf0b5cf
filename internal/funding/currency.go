// Generated on 2026-11-27 by a one-off program from golang.org/x/text/currency v0.44.0 (CLDR
// 32); the program is not kept, so later changes to ISO 4217 are made by hand here.

package funding

// currencyDigits maps each current ISO 4217 currency code to the number of decimal digits
// of its minor unit (2 for EUR: cents; 0 for JPY; 3 for KWD).
//
// The codes are those that golang.org/x/text/currency v0.44.0 (tables from CLDR 32) marks
// as current legal tender in some region: 155 of the 300 codes it accepts. Funds codes,
// precious metals, XDR, XTS and XXX are not tender and are left out. The digits are its
// currency.Standard rounding scale, except where that is CLDR's display precision rather
// than ISO 4217's minor unit; there the table has ISO 4217's (List One, May 2018): AFN 2
// (not 0), ALL 2 (not 0), AMD 2 (not 0), COP 2 (not 0), GYD 2 (not 0), IDR 2 (not 0), IQD
// 3 (not 0), IRR 2 (not 0), KPW 2 (not 0), LAK 2 (not 0), LBP 2 (not 0), MGA 2 (not 0),
// MMK 2 (not 0), MNT 2 (not 0), MRO 2 (not 0), MUR 2 (not 0), PKR 2 (not 0), RSD 2 (not
// 0), SLL 2 (not 0), SOS 2 (not 0), SYP 2 (not 0), TZS 2 (not 0), UZS 2 (not 0), YER 2
// (not 0).
//
// Added as ISO 4217 introduced them after CLDR 32 (each in Debian iso-codes 4.15.0, 2
// digits): MRU, SLE, VED, VES. CLDR 32 predates some withdrawals, so a few codes no
// longer current remain (e.g. HRK, MRO, SLL, VEF): harmless as the currencies of older
// records. For the same reason the other codes IATI's Currency list keeps as withdrawn,
// which published activity files still use, are here too (ISO 4217 digits): BYR 0, EEK
// 2, LTL 2, LVL 2, STD 2, USS 2, ZMK 2.
//
// This data originates from ISO 4217 (maintained for ISO by SIX Group) by way of the
// Unicode Common Locale Data Repository (CLDR), used under the Unicode License (Copyright
// Unicode, Inc.; https://www.unicode.org/license.txt).
var currencyDigits = map[string]int{
	"AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "ANG": 2, "AOA": 2, "ARS": 2, "AUD": 2,
	"AWG": 2, "AZN": 2, "BAM": 2, "BBD": 2, "BDT": 2, "BGN": 2, "BHD": 3, "BIF": 0,
	"BMD": 2, "BND": 2, "BOB": 2, "BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BYR": 0,
	"BZD": 2, "CAD": 2, "CDF": 2, "CHF": 2, "CLP": 0, "CNY": 2, "COP": 2, "CRC": 2,
	"CUC": 2, "CUP": 2, "CVE": 2, "CZK": 2, "DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2,
	"EEK": 2, "EGP": 2, "ERN": 2, "ETB": 2, "EUR": 2, "FJD": 2, "FKP": 2, "GBP": 2, "GEL": 2,
	"GHS": 2, "GIP": 2, "GMD": 2, "GNF": 0, "GTQ": 2, "GYD": 2, "HKD": 2, "HNL": 2,
	"HRK": 2, "HTG": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "IQD": 3, "IRR": 2,
	"ISK": 0, "JMD": 2, "JOD": 3, "JPY": 0, "KES": 2, "KGS": 2, "KHR": 2, "KMF": 0,
	"KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2, "LAK": 2, "LBP": 2, "LKR": 2,
	"LRD": 2, "LSL": 2, "LTL": 2, "LVL": 2, "LYD": 3, "MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2, "MMK": 2,
	"MNT": 2, "MOP": 2, "MRO": 2, "MRU": 2, "MUR": 2, "MVR": 2, "MWK": 2, "MXN": 2,
	"MYR": 2, "MZN": 2, "NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2, "NZD": 2,
	"OMR": 3, "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2, "PYG": 0,
	"QAR": 2, "RON": 2, "RSD": 2, "RUB": 2, "RWF": 0, "SAR": 2, "SBD": 2, "SCR": 2,
	"SDG": 2, "SEK": 2, "SGD": 2, "SHP": 2, "SLE": 2, "SLL": 2, "SOS": 2, "SRD": 2,
	"SSP": 2, "STD": 2, "STN": 2, "SYP": 2, "SZL": 2, "THB": 2, "TJS": 2, "TMT": 2, "TND": 3,
	"TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2, "UAH": 2, "UGX": 0, "USD": 2, "USS": 2,
	"UYU": 2, "UZS": 2, "VED": 2, "VEF": 2, "VES": 2, "VND": 0, "VUV": 0, "WST": 2,
	"XAF": 0, "XCD": 2, "XOF": 0, "XPF": 0, "YER": 2, "ZAR": 2, "ZMK": 2, "ZMW": 2,
}

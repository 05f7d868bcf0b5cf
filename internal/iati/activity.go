// Package iati reads IATI activity files (the International Aid Transparency Initiative's
// XML standard, versions 2.01–2.03 and the legacy 1.0x forms still found in published data)
// and imports them into the store as projects, donors, trust funds and allocations.
//
// Reading streams the file: each iati-activity element is decoded on its own, checked and
// handed on, so memory stays flat with the file's size. An activity is kept whenever it
// has an identity: what is broken in a descriptive field is repaired where the intent is
// plain, else dropped from that field, and reported as a warning (an Issue); a
// transaction whose type, value or currency cannot be read is left out alone and
// reported with its position and text. Only an activity without an identity is skipped.
package iati

import (
	"fmt"
	"time"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Activity is one iati-activity as read from a file, with IATI's codes resolved (legacy
// names and misspellings mapped to 2.0x codes) and amounts exact.
type Activity struct {
	Identifier  string
	Line        int       // the line of its iati-activity start tag
	LastUpdated time.Time // last-updated-datetime; zero when the file gives none
	Title       string
	Description string
	// Status is an ActivityStatus code ("1" pipeline … "6" suspended).
	Status                   string
	PlannedStart, PlannedEnd funding.Date
	ActualStart, ActualEnd   funding.Date
	Dates                    []funding.Date // every activity-date, whatever its type
	DefaultCurrency          string
	ReportingOrg             Org
	Orgs                     []Org   // participating-org
	Countries, Regions       []Share // recipient-country and recipient-region
	Sectors                  []Share // sector, per vocabulary
	Transactions             []Transaction
	LeftOut                  []LeftOutTransaction // transactions that cannot be read
	Warnings                 []Issue              // what was repaired or dropped, in reading order
	Budgets                  int                  // budget elements (not imported)
	PlannedDisbursements     int                  // planned-disbursement elements (not imported)
	Problems                 []string             // why it cannot be imported; empty when it can

	// default-flow-type, default-finance-type and default-aid-type, for the transactions
	// that give none of their own.
	DefaultFlowType, DefaultFinanceType string
	DefaultAidTypes                     []funding.AidType
}

// Issue is something an import reports about one element of a file: a warning (what was
// repaired or dropped) or a transaction left out.
type Issue struct {
	Activity string `json:"activity"` // the activity's identifier ("" when it has none)
	Line     int    `json:"line"`     // the line of the element in the file
	Element  string `json:"element"`  // the element in the activity, 1-based: "sector[2]", "transaction[3]/value"
	Kind     string `json:"kind"`     // what kind of issue, e.g. "scaled" (see the README)
	Reason   string `json:"reason"`
	Raw      string `json:"raw"` // the value (or, for a transaction, its text) as the file gives it
}

// LeftOutTransaction is a transaction that is not imported, with what of it could be read.
type LeftOutTransaction struct {
	Issue
	Type  string        // TransactionType code, "" when it cannot be read
	Value funding.Money // Currency "" when the amount cannot be read
	Exact string        // the value as written when it has more decimals than its currency
}

// Org is an organisation as an activity names it.
type Org struct {
	Ref  string // its IATI organisation identifier, e.g. "XM-DAC-41302"; may be empty
	Name string
	Role string // OrganisationRole code: "1" funding, "2" accountable, "3" extending, "4" implementing
	Type string // OrganisationType code, e.g. "10" government
	// ActivityID is, for a transaction's provider-org and receiver-org, the IATI identifier of
	// the organisation's own activity (provider-activity-id, receiver-activity-id).
	ActivityID string
}

// Share is a recipient country, a recipient region or a sector with its part of the
// activity in hundredths of a percent (10000 is 100 %).
type Share struct {
	Vocabulary string // regions and sectors: "1" OECD DAC (regions, 5-digit sectors), "2" DAC 3-digit sectors, "99" the reporting organisation's own…
	Code       string
	Name       string // the code list's name of the code, or the file's narrative
	Share      int
}

// Transaction is one transaction of an activity.
type Transaction struct {
	Position int          // its place among the activity's transaction elements, from 1
	Line     int          // the line of its transaction element
	Type     string       // TransactionType code, "1" to "13"
	Date     funding.Date // transaction-date, else the value's value-date, else the activity's start
	Value    funding.Money
	Exact    string // the value as written when it has more decimals than its currency (Value is it rounded half to even)
	Provider Org    // provider-org (the organisation the money comes from), if named
	Receiver Org    // receiver-org (the organisation the money goes to), if named
	// flow-type, finance-type and aid-type (all of them, with their vocabularies) as the
	// transaction gives them: "" and none when it does not (the activity's defaults are
	// applied when it is mapped).
	FlowType, FinanceType string
	AidTypes              []funding.AidType
}

// Valid reports whether the activity can be imported.
func (a *Activity) Valid() bool { return len(a.Problems) == 0 }

// warn records a warning about an element of a.
func (a *Activity) warn(line int, element, kind, raw, format string, args ...any) {
	a.Warnings = append(a.Warnings, Issue{Activity: a.Identifier, Line: line, Element: element, Kind: kind,
		Reason: fmt.Sprintf(format, args...), Raw: raw})
}

// Package iati reads IATI activity files (the International Aid Transparency Initiative's
// XML standard, versions 2.01–2.03 and the legacy 1.0x forms still found in published data)
// and imports them into the store as projects, donors, trust funds and allocations.
//
// Reading streams the file: each iati-activity element is decoded on its own, checked and
// handed on, so memory stays flat with the file's size. An activity that cannot be
// imported (no identifier, an unknown transaction type, an amount that is not a decimal
// number…) is reported with its identifier, line and reasons, and the rest of the file
// goes on.
package iati

import (
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
	Problems                 []string // why it cannot be imported; empty when it can

	// default-flow-type, default-finance-type and default-aid-type, for the transactions
	// that give none of their own.
	DefaultFlowType, DefaultFinanceType string
	DefaultAidTypes                     []funding.AidType
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
	Type     string       // TransactionType code, "1" to "13"
	Date     funding.Date // transaction-date, else the value's value-date
	Value    funding.Money
	Provider Org // provider-org (the organisation the money comes from), if named
	Receiver Org // receiver-org (the organisation the money goes to), if named
	// flow-type, finance-type and aid-type (all of them, with their vocabularies) as the
	// transaction gives them: "" and none when it does not (the activity's defaults are
	// applied when it is mapped).
	FlowType, FinanceType string
	AidTypes              []funding.AidType
}

// Valid reports whether the activity can be imported.
func (a *Activity) Valid() bool { return len(a.Problems) == 0 }

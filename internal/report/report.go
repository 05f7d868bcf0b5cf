// Package report is the pure aggregation core of coopgraph's funding reports: it adds up
// allocations by group (donor, agreement, trust fund, project, country, region, year,
// theme, implementing agency, or any combination of them), exactly, in integer minor
// units.
//
// The caller streams allocations into an Aggregator, which keeps one accumulator per group
// and nothing per allocation, so memory is bounded by the number of groups. Allocations
// that a grouping splits (by the countries of a project, its themes) are divided into
// integer parts by the largest remainder method, so the parts of an allocation always add
// up to it and the rows of a report always add up to its totals, to the cent. Amounts in
// different currencies are never added together unless the report converts them, with
// exact rational arithmetic, into one currency.
//
// Compute, ComputeSeries and ComputeFlows are the workflow around the Aggregator: they
// validate a query once, stream the allocations it selects from a Source (the store),
// load the facts each batch refers to and aggregate. Aggregator, Series and Flows read no
// store: their caller passes the facts the grouping needs (trust funds, agreements,
// projects, regions, exchange rates) in Facts.
//
// Files: report.go the types, aggregate.go the Aggregator, group.go an allocation's
// groups, split.go the largest remainder split, convert.go currency conversion,
// series.go and flows.go the shapes of a report, balance.go a fund's yearly balances,
// compute.go the workflow and source.go what it reads.
package report

import (
	"fmt"
	"math/big"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Dimension is what a report groups allocations by.
type Dimension string

// The dimensions. A row's key for each is described at Row.Keys.
const (
	Donor              Dimension = "DONOR"               // the donor of the allocation's trust fund
	Agreement          Dimension = "AGREEMENT"           // the fund's agreement in force in the allocation's year
	TrustFund          Dimension = "TRUST_FUND"          // the allocation's trust fund
	Project            Dimension = "PROJECT"             // the allocation's project
	Country            Dimension = "COUNTRY"             // the project's countries, by their shares (splits)
	Region             Dimension = "REGION"              // the UN M49 regions of the project's countries (splits)
	Year               Dimension = "YEAR"                // the allocation's year
	Theme              Dimension = "THEME"               // the project's themes, evenly (splits)
	ImplementingAgency Dimension = "IMPLEMENTING_AGENCY" // the allocation's implementing agency
)

// Valid reports whether d is one of the declared dimensions.
func (d Dimension) Valid() bool {
	switch d {
	case Donor, Agreement, TrustFund, Project, Country, Region, Year, Theme, ImplementingAgency:
		return true
	}
	return false
}

// Unallocated is the key of the explicit "global / unallocated" group: a global project's
// share when grouping by COUNTRY or REGION, the part of a project its country shares
// leave (its IATI regions, a part not placed), the share of a country without a region
// when grouping by REGION, a project without themes when grouping by THEME, an allocation
// whose fund has no agreement when grouping by AGREEMENT.
const Unallocated = ""

// Facts are the facts about the allocations' context, loaded by the caller. Only what the
// grouping and conversion need must be there:
//
//   - TrustFunds, for DONOR and AGREEMENT: the fund of every allocation;
//   - Agreements, for AGREEMENT: every agreement the funds list;
//   - Projects, for COUNTRY, REGION and THEME: the project of every allocation;
//   - Regions, for REGION: every country code the projects list, mapped to its UN M49
//     region, or to "" for a country without one (which then counts as Unallocated);
//   - Rates, when converting: the rate of every currency involved, other than USD, in
//     every year involved.
//
// A fact that is needed but missing (a nil entry counts as missing) makes Add fail with
// an error naming it; the Aggregator never guesses. The Aggregator reads the maps without
// copying them, so a caller streaming allocations in batches may add the entries a batch
// needs before adding its allocations; entries already there must not change (rates are
// cached once used).
type Facts struct {
	TrustFunds map[string]*funding.TrustFund
	Agreements map[string]*funding.Agreement
	Projects   map[string]*funding.Project
	Regions    map[string]string    // country code → UN M49 region ("" if none: counts as Unallocated)
	Rates      map[RateKey]*big.Rat // units of currency per 1 USD in a year; USD itself needs no entry
}

// RateKey identifies an exchange rate: a currency's rate in a year.
type RateKey struct {
	Currency string
	Year     int
}

// MissingRateError is returned by Add when a conversion needs a rate that is not in
// Facts.Rates: the source currency's in the allocation's year, or else the report
// currency's (USD needs none, and an allocation already in the report currency needs no
// rate at all).
type MissingRateError struct {
	Currency string
	Year     int
}

// Error says which rate is missing, e.g. "no exchange rate for EUR in 2019".
func (e *MissingRateError) Error() string {
	return fmt.Sprintf("no exchange rate for %s in %d", e.Currency, e.Year)
}

// Options say how a report groups and in which currency it adds up.
type Options struct {
	GroupBy  []Dimension // 0..n distinct dimensions; order = order of Row.Keys
	Currency string      // "" → totals per currency, never adding currencies; else convert every allocation into it
}

// Report is the result of an aggregation.
type Report struct {
	// Rows has one row per group, ordered by Keys: element by element, each compared as a
	// string, except the YEAR key which is compared as a number. Unallocated ("") sorts
	// first.
	Rows []Row
	// Totals is the whole report: currency → minor units. Converting, it has exactly one
	// entry, the report's currency (zero if nothing was added); otherwise one entry per
	// currency of the allocations added. Per currency, it is the sum of the rows' totals.
	Totals map[string]int64
	// Count is the number of allocations added.
	Count int
	// Compared has, for a query that compares transaction types, the report of each
	// compared type, in the order asked for. This report and each of them then have the
	// same rows, with the same keys in the same order: a row where a type has nothing
	// has empty totals and a count of 0 in that type's report.
	Compared []Compared
}

// Compared is the report of one compared transaction type.
type Compared struct {
	Type   funding.TransactionType
	Report *Report
}

// Row is one group of a report.
type Row struct {
	// Keys has one key per GroupBy dimension, in order: the id of the donor, agreement,
	// trust fund or project, a country code, a region name, a year ("2019"), a theme, or an
	// implementing agency; Unallocated ("") for the global / unallocated group.
	Keys []string
	// Totals maps currency → minor units. It has an entry (possibly zero) for each
	// currency of the allocations contributing to the row.
	Totals map[string]int64
	// Count is the number of allocations contributing to the row: those with a nonzero
	// weight in it (a country share, a theme), even if their part rounds to zero units.
	// An allocation is counted once per row.
	Count int
}

package funding

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Validation of whole entities, as a create or an update would store them. Each Validate
// method reports every problem it finds at once, as an EINVALID *Error whose Problems name
// the input fields at fault under the path prefix the caller gives (e.g. "input" gives
// "input.name" and "input.countries[1].share"). They check each value on its own; whether
// referenced objects (a donor, a country code) exist is for the store to check.

// Limits on inputs. Lengths count characters (Unicode code points).
const (
	MaxNameLen        = 200  // names and titles
	MaxShortNameLen   = 50   // short names
	MaxCodeLen        = 50   // codes: counterparts, implementing agencies, vocabularies
	MaxProjectCodeLen = 200  // project codes (IATI identifiers reach about 100)
	MaxRefLen         = 200  // IATI organisation and activity identifiers
	MaxAidTypes       = 20   // aid types of one allocation
	MaxDescriptionLen = 5000 // descriptions, sources, notes
	MaxThemeLen       = 200  // each theme (IATI sector names reach 77 characters)
	MaxThemes         = 20   // themes of one agreement or project
	MaxShares         = 300  // countries, regions or sectors of one project
	MinYear           = 1900 // the earliest year of an allocation or of cooperation
	MaxYear           = 2100 // the latest
)

// Valid reports whether t is one of the declared donor types.
func (t DonorType) Valid() bool {
	switch t {
	case DonorGovernment, DonorSubnationalGovernment, DonorMultilateral, DonorFoundation,
		DonorPrivateSector, DonorOther:
		return true
	}
	return false
}

// Valid reports whether s is one of the declared trust fund statuses.
func (s TrustFundStatus) Valid() bool {
	return s == TrustFundActive || s == TrustFundClosed
}

// Valid reports whether s is one of the declared project statuses.
func (s ProjectStatus) Valid() bool { return slices.Contains(ProjectStatuses, s) }

// ParseMoney parses a decimal amount in currency, e.g. ("450000.50", "EUR"), with as many
// decimals as the currency's minor unit has at most: "0.001" is refused for EUR (2
// decimals) but accepted for KWD (3), "12.5" is refused for JPY (none). It does not check
// the sign (Validate does). Errors are EINVALID *Errors without a Field: the caller knows
// which input field the amount came from and sets it.
func ParseMoney(amount, currency string) (Money, error) {
	if !ValidCurrencyCode(currency) {
		return Money{}, Errorf(EINVALID, "%q is not a current ISO 4217 currency code", currency)
	}
	digits := MinorDigits(currency)
	units, err := ParseUnits(amount, digits)
	if err != nil {
		if _, frac, ok := strings.Cut(amount, "."); ok && len(frac) > digits && allDigits(frac) {
			if digits == 0 {
				return Money{}, Errorf(EINVALID, "%q has decimals, but %s amounts are whole numbers", amount, currency)
			}
			return Money{}, Errorf(EINVALID, "%q has %d decimals, but %s amounts have at most %d", amount, len(frac), currency, digits)
		}
		return Money{}, Errorf(EINVALID, "%v", err)
	}
	return Money{Units: units, Currency: currency}, nil
}

// Validate checks a country: its code (two upper-case letters) and ISO3 code (three), a
// name, and the lengths of the name and regions.
func (c *Country) Validate(prefix string) error {
	var p Problems
	checkCountryCode(&p, fieldPath(prefix, "code"), c.Code, true)
	if !upperLetters(c.ISO3, 3) {
		p.Add(fieldPath(prefix, "iso3"), "%q is not an ISO 3166-1 alpha-3 code (three upper-case letters)", c.ISO3)
	}
	checkText(&p, fieldPath(prefix, "name"), c.Name, true, MaxNameLen)
	checkText(&p, fieldPath(prefix, "region"), c.Region, false, MaxNameLen)
	checkText(&p, fieldPath(prefix, "subRegion"), c.SubRegion, false, MaxNameLen)
	return p.Err()
}

// Validate checks a donor: names, type, country codes (no partner country twice) and the
// year cooperation began (0 if unknown).
func (d *Donor) Validate(prefix string) error {
	var p Problems
	checkText(&p, fieldPath(prefix, "name"), d.Name, true, MaxNameLen)
	checkText(&p, fieldPath(prefix, "shortName"), d.ShortName, true, MaxShortNameLen)
	checkText(&p, fieldPath(prefix, "ref"), d.Ref, false, MaxNameLen)
	if !d.Type.Valid() {
		p.Add(fieldPath(prefix, "type"), "%q is not a donor type (%s)", d.Type, enumList(DonorGovernment,
			DonorSubnationalGovernment, DonorMultilateral, DonorFoundation, DonorPrivateSector, DonorOther))
	}
	checkCountryCode(&p, fieldPath(prefix, "homeCountryCode"), d.HomeCountryCode, false)
	if d.CooperatingSince != 0 {
		checkYear(&p, fieldPath(prefix, "cooperatingSince"), d.CooperatingSince)
	}
	checkCountryCodes(&p, fieldPath(prefix, "partnerCountryCodes"), d.PartnerCountryCodes)
	checkText(&p, fieldPath(prefix, "description"), d.Description, false, MaxDescriptionLen)
	return p.Err()
}

// Validate checks an agreement: donor, counterpart, title, dates (signed and started; an
// end not before the start), themes and texts.
func (a *Agreement) Validate(prefix string) error {
	var p Problems
	checkText(&p, fieldPath(prefix, "donorId"), a.DonorID, true, 0)
	checkText(&p, fieldPath(prefix, "counterpart"), a.Counterpart, true, MaxCodeLen)
	checkText(&p, fieldPath(prefix, "title"), a.Title, true, MaxNameLen)
	checkRequiredDate(&p, fieldPath(prefix, "signedOn"), a.SignedOn)
	checkRequiredDate(&p, fieldPath(prefix, "startsOn"), a.StartsOn)
	checkPeriod(&p, prefix, a.StartsOn, a.EndsOn)
	checkThemes(&p, fieldPath(prefix, "themes"), a.Themes)
	checkText(&p, fieldPath(prefix, "description"), a.Description, false, MaxDescriptionLen)
	checkText(&p, fieldPath(prefix, "source"), a.Source, false, MaxDescriptionLen)
	return p.Err()
}

// Validate checks a trust fund: donor, name, dates (established, started, an end not before
// the start), extensions (each with an end date, in increasing order), currency and status.
func (t *TrustFund) Validate(prefix string) error {
	var p Problems
	checkText(&p, fieldPath(prefix, "donorId"), t.DonorID, true, 0)
	for i, id := range t.AgreementIDs {
		checkText(&p, fieldIndex(fieldPath(prefix, "agreementIds"), i), id, true, 0)
	}
	checkText(&p, fieldPath(prefix, "name"), t.Name, true, MaxNameLen)
	checkRequiredDate(&p, fieldPath(prefix, "establishedOn"), t.EstablishedOn)
	checkRequiredDate(&p, fieldPath(prefix, "startsOn"), t.StartsOn)
	checkPeriod(&p, prefix, t.StartsOn, t.EndsOn)
	var last Date // the end set by the last extension seen so far
	for i, x := range t.Extensions {
		at := fieldIndex(fieldPath(prefix, "extensions"), i)
		switch {
		case x.EndsOn.IsZero():
			p.Add(fieldPath(at, "endsOn"), "must be set")
		case !last.IsZero() && x.EndsOn.Time().Compare(last.Time()) <= 0:
			p.Add(fieldPath(at, "endsOn"), "must be after the end the extension before set (%s): list extensions in order", last)
		}
		if !x.EndsOn.IsZero() {
			last = x.EndsOn
		}
		checkText(&p, fieldPath(at, "note"), x.Note, false, MaxDescriptionLen)
	}
	checkCurrency(&p, fieldPath(prefix, "currency"), t.Currency)
	if !t.Status.Valid() {
		p.Add(fieldPath(prefix, "status"), "%q is not a trust fund status (%s)", t.Status, enumList(TrustFundActive, TrustFundClosed))
	}
	checkText(&p, fieldPath(prefix, "description"), t.Description, false, MaxDescriptionLen)
	return p.Err()
}

// Validate checks an allocation on its own: fund, project, transaction type (unset means
// COMMITMENT), year, date (when set, in the year), amount (in a valid currency; it may be
// negative, as published corrections are: a negative disbursement, a de-commitment),
// implementing agency and texts, and the lengths of its provider, receiver and IATI
// classifications (flow, finance and aid types). ValidateInput adds the rule for allocations entered
// through the API; ValidateAgainst checks it against its trust fund.
func (a *Allocation) Validate(prefix string) error {
	var p Problems
	checkText(&p, fieldPath(prefix, "trustFundId"), a.TrustFundID, true, 0)
	checkText(&p, fieldPath(prefix, "projectId"), a.ProjectID, true, 0)
	if a.Type != "" && !a.Type.Valid() {
		p.Add(fieldPath(prefix, "transactionType"), "%q is not a transaction type (%s)", a.Type, enumList(TransactionTypes...))
	}
	checkYear(&p, fieldPath(prefix, "year"), a.Year)
	if !a.Date.IsZero() && a.Date.Year() != a.Year {
		p.Add(fieldPath(prefix, "date"), "%s is not in the allocation's year %d: the year is the date's", a.Date, a.Year)
	}
	checkCurrency(&p, fieldPath(prefix, "amount.currency"), a.Amount.Currency)
	checkText(&p, fieldPath(prefix, "implementingAgency"), a.ImplementingAgency, true, MaxCodeLen)
	checkText(&p, fieldPath(prefix, "source"), a.Source, false, MaxDescriptionLen)
	checkTransactionOrg(&p, fieldPath(prefix, "provider"), a.Provider)
	checkTransactionOrg(&p, fieldPath(prefix, "receiver"), a.Receiver)
	if a.FlowType != nil {
		checkText(&p, fieldPath(prefix, "flowType.code"), a.FlowType.Code, true, MaxCodeLen)
	}
	if a.FinanceType != nil {
		checkText(&p, fieldPath(prefix, "financeType.code"), a.FinanceType.Code, true, MaxCodeLen)
	}
	aidTypes := fieldPath(prefix, "aidTypes")
	if len(a.AidTypes) > MaxAidTypes {
		p.Add(aidTypes, "at most %d, got %d", MaxAidTypes, len(a.AidTypes))
	}
	for i, t := range a.AidTypes {
		at := fieldIndex(aidTypes, i)
		checkText(&p, fieldPath(at, "vocabulary"), t.Vocabulary, true, MaxCodeLen)
		checkText(&p, fieldPath(at, "code"), t.Code, true, MaxCodeLen)
	}
	return p.Err()
}

// checkTransactionOrg checks the provider or receiver of an allocation, if it has one: a
// ref, a name or an activity id, and the lengths of each field.
func checkTransactionOrg(p *Problems, field string, o *TransactionOrg) {
	if o == nil {
		return
	}
	if strings.TrimSpace(o.Ref+o.Name+o.ActivityID) == "" {
		p.Add(field, "must have a ref, a name or an activity id")
	}
	checkText(p, fieldPath(field, "ref"), o.Ref, false, MaxRefLen)
	checkText(p, fieldPath(field, "name"), o.Name, false, MaxNameLen)
	checkText(p, fieldPath(field, "type"), o.Type, false, MaxCodeLen)
	checkText(p, fieldPath(field, "activityId"), o.ActivityID, false, MaxRefLen)
}

// ValidateInput checks an allocation as Validate does, and, as the API asks of an amount
// entered through it, that the amount is not negative.
func (a *Allocation) ValidateInput(prefix string) error {
	var p Problems
	p.AddError(a.Validate(prefix))
	if a.Amount.Units < 0 {
		p.Add(fieldPath(prefix, "amount.amount"), "must not be negative, got %s", a.Amount.Decimal())
	}
	return p.Err()
}

// ValidateAgainst checks an allocation against the trust fund it comes from: its year must
// lie within the fund's period (from the year the fund starts to the year it ends, if it
// does), reported on "<prefix>.year", and its amount must be in the fund's currency,
// reported on "<prefix>.amount.currency". It reports nothing that Validate reports (a year
// outside MinYear–MaxYear, an invalid currency), so to report everything at once:
//
//	var ps Problems
//	ps.AddError(a.Validate("input"))
//	ps = append(ps, a.ValidateAgainst(fund, "input")...)
//	return ps.Err()
func (a *Allocation) ValidateAgainst(tf *TrustFund, prefix string) Problems {
	if tf == nil {
		return nil
	}
	var p Problems
	if a.Year >= MinYear && a.Year <= MaxYear {
		first, last := tf.StartsOn.Year(), tf.EndsOn.Year()
		switch {
		case !tf.StartsOn.IsZero() && a.Year < first:
			p.Add(fieldPath(prefix, "year"), "%d is before the trust fund's period, which starts in %d", a.Year, first)
		case !tf.EndsOn.IsZero() && a.Year > last:
			p.Add(fieldPath(prefix, "year"), "%d is after the trust fund's period, which ends in %d", a.Year, last)
		}
	}
	if ValidCurrencyCode(a.Amount.Currency) && a.Amount.Currency != tf.Currency {
		p.Add(fieldPath(prefix, "amount.currency"), "the amount is in %s but the trust fund is in %s: allocations are in the fund's currency",
			a.Amount.Currency, tf.Currency)
	}
	return p
}

// Validate checks a project: code, title, status, a planned start, themes, agencies, budget, and its places and
// sectors: each share more than 0 and at most 100 % (ShareScale), no country, region or
// sector twice, and country and region shares together at most 100 % (what is left is
// unallocated). ValidateInput adds the rule for projects entered through the API.
func (pr *Project) Validate(prefix string) error {
	var p Problems
	checkText(&p, fieldPath(prefix, "code"), pr.Code, true, MaxProjectCodeLen)
	checkText(&p, fieldPath(prefix, "title"), pr.Title, true, MaxNameLen)
	checkText(&p, fieldPath(prefix, "description"), pr.Description, false, MaxDescriptionLen)
	if !pr.Status.Valid() {
		p.Add(fieldPath(prefix, "status"), "%q is not a project status (%s)", pr.Status, enumList(ProjectStatuses...))
	}
	checkRequiredDate(&p, fieldPath(prefix, "startsOn"), pr.StartsOn)
	checkThemes(&p, fieldPath(prefix, "themes"), pr.Themes)
	checkText(&p, fieldPath(prefix, "implementingAgency"), pr.ImplementingAgency, true, MaxCodeLen)
	checkText(&p, fieldPath(prefix, "reportingOrg"), pr.ReportingOrg, false, MaxNameLen)
	if pr.Budget != nil {
		checkMoney(&p, fieldPath(prefix, "budget"), *pr.Budget)
	}
	countries := fieldPath(prefix, "countries")
	seen := map[string]int{}
	for i, c := range pr.Countries {
		at := fieldIndex(countries, i)
		if checkCountryCode(&p, fieldPath(at, "countryCode"), c.CountryCode, true) {
			if j, dup := seen[c.CountryCode]; dup {
				p.Add(fieldPath(at, "countryCode"), "%s is listed twice (also at %s)", c.CountryCode, fieldIndex(countries, j))
			} else {
				seen[c.CountryCode] = i
			}
		}
		checkShare(&p, fieldPath(at, "share"), c.Share)
	}
	regions := fieldPath(prefix, "regions")
	checkCodedShares(&p, regions, len(pr.Regions), func(i int) (string, string, int) {
		r := pr.Regions[i]
		return r.Vocabulary, r.Code, r.Share
	})
	checkCodedShares(&p, fieldPath(prefix, "sectors"), len(pr.Sectors), func(i int) (string, string, int) {
		s := pr.Sectors[i]
		return s.Vocabulary, s.Code, s.Share
	})
	if len(pr.Countries) > MaxShares {
		p.Add(countries, "at most %d countries, got %d", MaxShares, len(pr.Countries))
	}
	if sum := pr.Allocated(); sum > ShareScale {
		at := countries
		if len(pr.Regions) > 0 {
			at = regions
		}
		p.Add(at, "the country and region shares add up to %s percent, more than 100", sharePercent(sum))
	}
	checkText(&p, fieldPath(prefix, "source"), pr.Source, false, MaxDescriptionLen)
	return p.Err()
}

// ValidateInput checks a project as Validate does, and, as the API asks of a project
// entered through it, that its planned and actual ends are not before their starts (an
// imported activity keeps the dates its file gives) and that its country shares add up
// to exactly 100 % when it lists countries and no region.
func (pr *Project) ValidateInput(prefix string) error {
	var p Problems
	p.AddError(pr.Validate(prefix))
	checkPeriod(&p, prefix, pr.StartsOn, pr.EndsOn)
	if !pr.ActualStartsOn.IsZero() && !pr.ActualEndsOn.IsZero() && pr.ActualEndsOn.Time().Before(pr.ActualStartsOn.Time()) {
		p.Add(fieldPath(prefix, "actualEndsOn"), "%s is before actualStartsOn (%s)", pr.ActualEndsOn, pr.ActualStartsOn)
	}
	if len(pr.Countries) > 0 && len(pr.Regions) == 0 {
		if sum := pr.Allocated(); sum < ShareScale {
			p.Add(fieldPath(prefix, "countries"), "the shares add up to %s percent, not 100", sharePercent(sum))
		}
	}
	return p.Err()
}

// checkShare checks one share: more than 0 and at most 100 %.
func checkShare(p *Problems, field string, share int) {
	if share <= 0 || share > ShareScale {
		p.Add(field, "must be more than 0 and at most 100 percent, got %s", sharePercent(share))
	}
}

// checkCodedShares checks a list of n shares of codes in vocabularies (regions, sectors):
// a code and a vocabulary of at most MaxCodeLen characters, a share, no code twice in one
// vocabulary, and at most MaxShares of them.
func checkCodedShares(p *Problems, list string, n int, at func(int) (vocabulary, code string, share int)) {
	if n > MaxShares {
		p.Add(list, "at most %d, got %d", MaxShares, n)
		return
	}
	seen := map[[2]string]int{}
	for i := range n {
		vocabulary, code, share := at(i)
		item := fieldIndex(list, i)
		checkText(p, fieldPath(item, "vocabulary"), vocabulary, true, MaxCodeLen)
		checkText(p, fieldPath(item, "code"), code, true, MaxCodeLen)
		checkShare(p, fieldPath(item, "share"), share)
		key := [2]string{vocabulary, code}
		if j, dup := seen[key]; dup {
			p.Add(fieldPath(item, "code"), "%s (vocabulary %s) is listed twice (also at %s)", code, vocabulary, fieldIndex(list, j))
			continue
		}
		seen[key] = i
	}
}

// fieldPath is the path of field under prefix.
func fieldPath(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}

// fieldIndex is the path of element i of the list at list.
func fieldIndex(list string, i int) string { return fmt.Sprintf("%s[%d]", list, i) }

// checkText checks a string: not blank if required, at most limit characters (no limit if
// 0).
func checkText(p *Problems, field, s string, required bool, limit int) {
	if required && strings.TrimSpace(s) == "" {
		p.Add(field, "must not be empty")
		return
	}
	if n := utf8.RuneCountInString(s); limit > 0 && n > limit {
		p.Add(field, "must be at most %d characters, got %d", limit, n)
	}
}

// upperLetters reports whether s is n upper-case ASCII letters.
func upperLetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// checkCountryCode checks an ISO 3166-1 alpha-2 code (empty allowed unless required) and
// reports whether it is one.
func checkCountryCode(p *Problems, field, code string, required bool) bool {
	if code == "" && !required {
		return false
	}
	if !upperLetters(code, 2) {
		p.Add(field, "%q is not an ISO 3166-1 alpha-2 country code (two upper-case letters)", code)
		return false
	}
	return true
}

// checkCountryCodes checks a list of country codes, none twice.
func checkCountryCodes(p *Problems, list string, codes []string) {
	seen := map[string]int{}
	for i, code := range codes {
		at := fieldIndex(list, i)
		if !checkCountryCode(p, at, code, true) {
			continue
		}
		if j, dup := seen[code]; dup {
			p.Add(at, "%s is listed twice (also at %s)", code, fieldIndex(list, j))
			continue
		}
		seen[code] = i
	}
}

// checkThemes checks a list of themes: at most MaxThemes, each 1 to MaxThemeLen characters,
// none twice.
func checkThemes(p *Problems, list string, themes []string) {
	if len(themes) > MaxThemes {
		p.Add(list, "at most %d themes, got %d", MaxThemes, len(themes))
	}
	seen := map[string]int{}
	for i, t := range themes {
		at := fieldIndex(list, i)
		checkText(p, at, t, true, MaxThemeLen)
		key := strings.TrimSpace(t)
		if key == "" {
			continue
		}
		if j, dup := seen[key]; dup {
			p.Add(at, "%q is listed twice (also at %s)", key, fieldIndex(list, j))
			continue
		}
		seen[key] = i
	}
}

// checkCurrency checks an ISO 4217 currency code.
func checkCurrency(p *Problems, field, code string) {
	if !ValidCurrencyCode(code) {
		p.Add(field, "%q is not a current ISO 4217 currency code", code)
	}
}

// checkMoney checks an amount at field (a MoneyInput): not negative, in a valid currency.
func checkMoney(p *Problems, field string, m Money) {
	if m.Units < 0 {
		p.Add(fieldPath(field, "amount"), "must not be negative, got %s", m.Decimal())
	}
	checkCurrency(p, fieldPath(field, "currency"), m.Currency)
}

// checkYear checks a year: MinYear to MaxYear.
func checkYear(p *Problems, field string, y int) {
	if y < MinYear || y > MaxYear {
		p.Add(field, "must be a year from %d to %d, got %d", MinYear, MaxYear, y)
	}
}

// checkRequiredDate checks that a date is set.
func checkRequiredDate(p *Problems, field string, d Date) {
	if d.IsZero() {
		p.Add(field, "must be set")
	}
}

// checkPeriod checks that "<prefix>.endsOn", if set, is not before "<prefix>.startsOn".
func checkPeriod(p *Problems, prefix string, starts, ends Date) {
	if !starts.IsZero() && !ends.IsZero() && ends.Time().Before(starts.Time()) {
		p.Add(fieldPath(prefix, "endsOn"), "%s is before startsOn (%s)", ends, starts)
	}
}

// sharePercent formats a share (hundredths of a percent) as a percentage, e.g. "99.99".
func sharePercent(share int) string { return FormatUnits(int64(share), 2) }

// enumList lists enum values for a message: "A, B or C".
func enumList[T ~string](values ...T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

package funding_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// validationCase is one case of a Validate table: a change to a valid entity, the fields
// of the problems it must cause in order (none: the entity stays valid), and text the
// problem on the first of them must mention.
type validationCase[T any] struct {
	name     string
	change   func(*T)
	fields   []string
	contains string
}

// runValidation runs the cases of a Validate table against fresh valid entities.
func runValidation[T any](t *testing.T, valid func() *T, validate func(*T) error, cases []validationCase[T]) {
	t.Helper()
	t.Run("OK", func(t *testing.T) {
		expectProblems(t, validate(valid()), nil, "")
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if strings.HasPrefix(tc.name, "Err") == (len(tc.fields) == 0) {
				t.Fatalf("case %s: Err cases need fields, Ok cases none", tc.name)
			}
			x := valid()
			tc.change(x)
			expectProblems(t, validate(x), tc.fields, tc.contains)
		})
	}
}

// expectProblems checks that err is nil if fields is empty, and otherwise an EINVALID
// *Error naming fields[0] and carrying one problem per field, in order; contains must
// appear in the message about fields[0].
func expectProblems(t *testing.T, err error, fields []string, contains string) {
	t.Helper()
	if len(fields) == 0 {
		if err != nil {
			t.Fatalf("got %v, want no problem", err)
		}
		return
	}
	var e *funding.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want an *funding.Error", err, err)
	}
	if e.Code != funding.EINVALID {
		t.Errorf("code %s, want %s", e.Code, funding.EINVALID)
	}
	var got []string
	for _, p := range e.Problems {
		got = append(got, p.Field)
		if p.Message == "" {
			t.Errorf("problem with %s has no message", p.Field)
		}
	}
	if !slices.Equal(got, fields) {
		t.Fatalf("problems with %q, want %q (%v)", got, fields, err)
	}
	if e.Field != fields[0] || !strings.HasPrefix(e.Message, e.Problems[0].Message) {
		t.Errorf("error names %s: %q, want the first problem, %s: %q", e.Field, e.Message, fields[0], e.Problems[0].Message)
	}
	if !strings.Contains(e.Problems[0].Message, contains) {
		t.Errorf("message %q does not mention %q", e.Problems[0].Message, contains)
	}
}

// runes returns n characters of a two-byte letter, so that lengths count characters.
func runes(n int) string { return strings.Repeat("é", n) }

func TestCountryValidate(t *testing.T) {
	valid := func() *funding.Country {
		return &funding.Country{Code: "MW", ISO3: "MWI", Name: "Malawi", Region: "Africa", SubRegion: "Sub-Saharan Africa"}
	}
	runValidation(t, valid, func(c *funding.Country) error { return c.Validate("input") }, []validationCase[funding.Country]{
		{"ErrCodeEmpty", func(c *funding.Country) { c.Code = "" }, []string{"input.code"}, "alpha-2"},
		{"ErrCodeLowerCase", func(c *funding.Country) { c.Code = "mw" }, []string{"input.code"}, `"mw"`},
		{"ErrCodeThreeLetters", func(c *funding.Country) { c.Code = "MWI" }, []string{"input.code"}, ""},
		{"ErrCodeNotLetters", func(c *funding.Country) { c.Code = "M1" }, []string{"input.code"}, ""},
		{"ErrCodeNonASCII", func(c *funding.Country) { c.Code = "MÉ" }, []string{"input.code"}, ""},
		{"ErrISO3TwoLetters", func(c *funding.Country) { c.ISO3 = "MW" }, []string{"input.iso3"}, "alpha-3"},
		{"ErrISO3LowerCase", func(c *funding.Country) { c.ISO3 = "mwi" }, []string{"input.iso3"}, ""},
		{"ErrNameBlank", func(c *funding.Country) { c.Name = " \t" }, []string{"input.name"}, "empty"},
		{"ErrNameTooLong", func(c *funding.Country) { c.Name = runes(201) }, []string{"input.name"}, "at most 200"},
		{"OkName200Characters", func(c *funding.Country) { c.Name = runes(200) }, nil, ""},
		{"ErrRegionTooLong", func(c *funding.Country) { c.SubRegion = runes(201) }, []string{"input.subRegion"}, ""},
		{"OkNoRegion", func(c *funding.Country) { c.Region, c.SubRegion = "", "" }, nil, ""},
	})
}

func TestDonorValidate(t *testing.T) {
	valid := func() *funding.Donor {
		return &funding.Donor{
			Name: "Government of Flanders", ShortName: "Flanders", Type: funding.DonorSubnationalGovernment,
			HomeCountryCode: "BE", CooperatingSince: 2001, PartnerCountryCodes: []string{"MW", "MZ", "ZA"},
			Description: "Flanders funds decent work.",
		}
	}
	runValidation(t, valid, func(d *funding.Donor) error { return d.Validate("input") }, []validationCase[funding.Donor]{
		{"ErrNameEmpty", func(d *funding.Donor) { d.Name = "" }, []string{"input.name"}, "empty"},
		{"ErrNameTooLong", func(d *funding.Donor) { d.Name = runes(201) }, []string{"input.name"}, "got 201"},
		{"OkName200Characters", func(d *funding.Donor) { d.Name = runes(200) }, nil, ""},
		{"ErrShortNameEmpty", func(d *funding.Donor) { d.ShortName = "  " }, []string{"input.shortName"}, ""},
		{"ErrShortNameTooLong", func(d *funding.Donor) { d.ShortName = runes(51) }, []string{"input.shortName"}, "at most 50"},
		{"OkShortName50Characters", func(d *funding.Donor) { d.ShortName = runes(50) }, nil, ""},
		{"ErrTypeUnknown", func(d *funding.Donor) { d.Type = "CHARITY" }, []string{"input.type"}, "GOVERNMENT"},
		{"ErrTypeEmpty", func(d *funding.Donor) { d.Type = "" }, []string{"input.type"}, ""},
		{"ErrTypeLowerCase", func(d *funding.Donor) { d.Type = "government" }, []string{"input.type"}, ""},
		{"OkTypeFoundation", func(d *funding.Donor) { d.Type = funding.DonorFoundation }, nil, ""},
		{"ErrHomeCountryLowerCase", func(d *funding.Donor) { d.HomeCountryCode = "be" }, []string{"input.homeCountryCode"}, ""},
		{"ErrHomeCountryAlpha3", func(d *funding.Donor) { d.HomeCountryCode = "BEL" }, []string{"input.homeCountryCode"}, ""},
		{"OkNoHomeCountry", func(d *funding.Donor) { d.HomeCountryCode = "" }, nil, ""},
		{"ErrCooperatingSinceTooEarly", func(d *funding.Donor) { d.CooperatingSince = 1899 }, []string{"input.cooperatingSince"}, "1899"},
		{"ErrCooperatingSinceTooLate", func(d *funding.Donor) { d.CooperatingSince = 2101 }, []string{"input.cooperatingSince"}, ""},
		{"ErrCooperatingSinceNegative", func(d *funding.Donor) { d.CooperatingSince = -1 }, []string{"input.cooperatingSince"}, ""},
		{"OkCooperatingSinceUnknown", func(d *funding.Donor) { d.CooperatingSince = 0 }, nil, ""},
		{"OkCooperatingSince1900", func(d *funding.Donor) { d.CooperatingSince = 1900 }, nil, ""},
		{"OkCooperatingSince2100", func(d *funding.Donor) { d.CooperatingSince = 2100 }, nil, ""},
		{"ErrPartnerCountryCode", func(d *funding.Donor) { d.PartnerCountryCodes = []string{"MW", "mz"} }, []string{"input.partnerCountryCodes[1]"}, `"mz"`},
		{"ErrPartnerCountryEmpty", func(d *funding.Donor) { d.PartnerCountryCodes = []string{""} }, []string{"input.partnerCountryCodes[0]"}, ""},
		{"ErrPartnerCountryTwice", func(d *funding.Donor) { d.PartnerCountryCodes = []string{"MW", "MZ", "MW"} }, []string{"input.partnerCountryCodes[2]"}, "partnerCountryCodes[0]"},
		{"OkNoPartnerCountries", func(d *funding.Donor) { d.PartnerCountryCodes = nil }, nil, ""},
		{"ErrDescriptionTooLong", func(d *funding.Donor) { d.Description = runes(5001) }, []string{"input.description"}, "at most 5000"},
		{"OkDescription5000Characters", func(d *funding.Donor) { d.Description = runes(5000) }, nil, ""},
		{"OkNoDescription", func(d *funding.Donor) { d.Description = "" }, nil, ""},
		{"ErrThreeProblems", func(d *funding.Donor) {
			d.Name, d.Type, d.PartnerCountryCodes = "", "CHARITY", []string{"MW", "m"}
		}, []string{"input.name", "input.type", "input.partnerCountryCodes[1]"}, ""},
	})
}

func TestValidateReportsAllProblems(t *testing.T) {
	d := &funding.Donor{Name: "", ShortName: "X", Type: "CHARITY", PartnerCountryCodes: []string{"m"}}
	err := d.Validate("input")
	expectProblems(t, err, []string{"input.name", "input.type", "input.partnerCountryCodes[0]"}, "")
	var e *funding.Error
	errors.As(err, &e)
	if want := "input.name: must not be empty (and 2 more problems)"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if e.Problems[1].Message == "" || !strings.Contains(e.Problems[2].Message, `"m"`) {
		t.Errorf("problems %+v", e.Problems)
	}
	if funding.ErrorCode(err) != funding.EINVALID {
		t.Errorf("ErrorCode = %s", funding.ErrorCode(err))
	}
	// Without a prefix the paths are the bare field names.
	expectProblems(t, d.Validate(""), []string{"name", "type", "partnerCountryCodes[0]"}, "")
}

func TestAgreementValidate(t *testing.T) {
	valid := func() *funding.Agreement {
		return &funding.Agreement{
			DonorID: "flanders", Counterpart: "ILO", Title: "Framework agreement",
			SignedOn: funding.MustDate("2001-11-05"), StartsOn: funding.MustDate("2002-01-01"),
			EndsOn: funding.MustDate("2025-12-31"), Themes: []string{"Decent work", "Social protection"},
			Description: "Sets the terms.", Source: "https://example.org/agreement",
		}
	}
	many := func(n int) []string {
		var s []string
		for i := range n {
			s = append(s, fmt.Sprintf("theme %d", i))
		}
		return s
	}
	runValidation(t, valid, func(a *funding.Agreement) error { return a.Validate("input") }, []validationCase[funding.Agreement]{
		{"ErrDonorMissing", func(a *funding.Agreement) { a.DonorID = "" }, []string{"input.donorId"}, ""},
		{"ErrCounterpartEmpty", func(a *funding.Agreement) { a.Counterpart = " " }, []string{"input.counterpart"}, ""},
		{"ErrCounterpartTooLong", func(a *funding.Agreement) { a.Counterpart = runes(51) }, []string{"input.counterpart"}, "at most 50"},
		{"ErrTitleEmpty", func(a *funding.Agreement) { a.Title = "" }, []string{"input.title"}, ""},
		{"ErrTitleTooLong", func(a *funding.Agreement) { a.Title = runes(201) }, []string{"input.title"}, "at most 200"},
		{"OkTitle200Characters", func(a *funding.Agreement) { a.Title = runes(200) }, nil, ""},
		{"ErrSignedOnMissing", func(a *funding.Agreement) { a.SignedOn = funding.Date{} }, []string{"input.signedOn"}, "must be set"},
		{"OkSignedAfterStart", func(a *funding.Agreement) { a.SignedOn = funding.MustDate("2003-01-01") }, nil, ""},
		{"ErrStartsOnMissing", func(a *funding.Agreement) { a.StartsOn = funding.Date{} }, []string{"input.startsOn"}, ""},
		{"ErrEndsBeforeStart", func(a *funding.Agreement) { a.EndsOn = funding.MustDate("2001-12-31") }, []string{"input.endsOn"}, "2001-12-31 is before startsOn (2002-01-01)"},
		{"OkEndsOnStartDay", func(a *funding.Agreement) { a.EndsOn = a.StartsOn }, nil, ""},
		{"OkOpenEnded", func(a *funding.Agreement) { a.EndsOn = funding.Date{} }, nil, ""},
		{"ErrThemeBlank", func(a *funding.Agreement) { a.Themes = []string{"Gender", "  "} }, []string{"input.themes[1]"}, "empty"},
		{"ErrThemeTooLong", func(a *funding.Agreement) { a.Themes = []string{runes(201)} }, []string{"input.themes[0]"}, "at most 200"},
		{"OkTheme200Characters", func(a *funding.Agreement) { a.Themes = []string{runes(200)} }, nil, ""},
		{"ErrTooManyThemes", func(a *funding.Agreement) { a.Themes = many(21) }, []string{"input.themes"}, "at most 20"},
		{"OkTwentyThemes", func(a *funding.Agreement) { a.Themes = many(20) }, nil, ""},
		{"ErrThemeTwice", func(a *funding.Agreement) { a.Themes = []string{"Gender", "Youth", "Gender"} }, []string{"input.themes[2]"}, "themes[0]"},
		{"OkNoThemes", func(a *funding.Agreement) { a.Themes = nil }, nil, ""},
		{"ErrDescriptionTooLong", func(a *funding.Agreement) { a.Description = runes(5001) }, []string{"input.description"}, ""},
		{"ErrSourceTooLong", func(a *funding.Agreement) { a.Source = runes(5001) }, []string{"input.source"}, ""},
	})
}

func TestTrustFundValidate(t *testing.T) {
	valid := func() *funding.TrustFund {
		return &funding.TrustFund{
			DonorID: "flanders", AgreementIDs: []string{"fa-2001"}, Name: "Flanders/ILO Trust Fund",
			EstablishedOn: funding.MustDate("2001-06-01"), StartsOn: funding.MustDate("2001-01-01"),
			EndsOn: funding.MustDate("2026-12-31"),
			Extensions: []funding.Extension{
				{DecidedOn: funding.MustDate("2015-03-01"), EndsOn: funding.MustDate("2020-12-31")},
				{EndsOn: funding.MustDate("2026-12-31"), Note: "Second extension"},
			},
			Currency: "EUR", Status: funding.TrustFundActive,
		}
	}
	runValidation(t, valid, func(tf *funding.TrustFund) error { return tf.Validate("input") }, []validationCase[funding.TrustFund]{
		{"ErrDonorMissing", func(tf *funding.TrustFund) { tf.DonorID = "" }, []string{"input.donorId"}, ""},
		{"ErrAgreementIDEmpty", func(tf *funding.TrustFund) { tf.AgreementIDs = []string{"fa-2001", ""} }, []string{"input.agreementIds[1]"}, ""},
		{"ErrNameEmpty", func(tf *funding.TrustFund) { tf.Name = "" }, []string{"input.name"}, ""},
		{"ErrNameTooLong", func(tf *funding.TrustFund) { tf.Name = runes(201) }, []string{"input.name"}, ""},
		{"ErrEstablishedOnMissing", func(tf *funding.TrustFund) { tf.EstablishedOn = funding.Date{} }, []string{"input.establishedOn"}, "must be set"},
		{"ErrStartsOnMissing", func(tf *funding.TrustFund) { tf.StartsOn = funding.Date{} }, []string{"input.startsOn"}, ""},
		{"ErrEndsBeforeStart", func(tf *funding.TrustFund) { tf.EndsOn = funding.MustDate("2000-12-31") }, []string{"input.endsOn"}, "before startsOn"},
		{"OkOpenEnded", func(tf *funding.TrustFund) { tf.EndsOn = funding.Date{} }, nil, ""},
		{"ErrExtensionEndMissing", func(tf *funding.TrustFund) { tf.Extensions[1].EndsOn = funding.Date{} }, []string{"input.extensions[1].endsOn"}, "must be set"},
		{"ErrExtensionsOutOfOrder", func(tf *funding.TrustFund) {
			tf.Extensions[0].EndsOn, tf.Extensions[1].EndsOn = tf.Extensions[1].EndsOn, tf.Extensions[0].EndsOn
		}, []string{"input.extensions[1].endsOn"}, "2026-12-31"},
		{"ErrExtensionsSameEnd", func(tf *funding.TrustFund) { tf.Extensions[1].EndsOn = tf.Extensions[0].EndsOn }, []string{"input.extensions[1].endsOn"}, ""},
		{"ErrExtensionNoteTooLong", func(tf *funding.TrustFund) { tf.Extensions[0].Note = runes(5001) }, []string{"input.extensions[0].note"}, ""},
		{"OkNoExtensions", func(tf *funding.TrustFund) { tf.Extensions = nil }, nil, ""},
		{"ErrCurrencyUnknown", func(tf *funding.TrustFund) { tf.Currency = "XYZ" }, []string{"input.currency"}, `"XYZ"`},
		{"ErrCurrencyLowerCase", func(tf *funding.TrustFund) { tf.Currency = "eur" }, []string{"input.currency"}, ""},
		{"ErrCurrencyEmpty", func(tf *funding.TrustFund) { tf.Currency = "" }, []string{"input.currency"}, ""},
		{"OkCurrencyJPY", func(tf *funding.TrustFund) { tf.Currency = "JPY" }, nil, ""},
		{"ErrStatusUnknown", func(tf *funding.TrustFund) { tf.Status = "OPEN" }, []string{"input.status"}, "ACTIVE or CLOSED"},
		{"OkStatusClosed", func(tf *funding.TrustFund) { tf.Status = funding.TrustFundClosed }, nil, ""},
		{"ErrDescriptionTooLong", func(tf *funding.TrustFund) { tf.Description = runes(5001) }, []string{"input.description"}, ""},
	})
}

func validAllocation() *funding.Allocation {
	return &funding.Allocation{
		TrustFundID: "ilo-flanders-tf", ProjectID: "mwi-1", Year: 2019,
		Amount: funding.Money{Units: 45000000, Currency: "EUR"}, ImplementingAgency: "ILO",
		ApprovedOn: funding.MustDate("2019-02-01"),
	}
}

func TestAllocationValidate(t *testing.T) {
	runValidation(t, validAllocation, func(a *funding.Allocation) error { return a.Validate("input") }, []validationCase[funding.Allocation]{
		{"ErrTrustFundMissing", func(a *funding.Allocation) { a.TrustFundID = "" }, []string{"input.trustFundId"}, ""},
		{"ErrProjectMissing", func(a *funding.Allocation) { a.ProjectID = "" }, []string{"input.projectId"}, ""},
		{"ErrYearMissing", func(a *funding.Allocation) { a.Year = 0 }, []string{"input.year"}, "from 1900 to 2100"},
		{"ErrYearTooEarly", func(a *funding.Allocation) { a.Year = 1899 }, []string{"input.year"}, ""},
		{"ErrYearTooLate", func(a *funding.Allocation) { a.Year = 2101 }, []string{"input.year"}, ""},
		{"OkYear1900", func(a *funding.Allocation) { a.Year = 1900 }, nil, ""},
		{"OkYear2100", func(a *funding.Allocation) { a.Year = 2100 }, nil, ""},
		{"OkAmountNegative", func(a *funding.Allocation) { a.Amount.Units = -1250 }, nil, ""}, // an imported correction
		{"OkAmountZero", func(a *funding.Allocation) { a.Amount.Units = 0 }, nil, ""},
		{"ErrAmountCurrency", func(a *funding.Allocation) { a.Amount.Currency = "XYZ" }, []string{"input.amount.currency"}, `"XYZ"`},
		{"ErrImplementingAgencyEmpty", func(a *funding.Allocation) { a.ImplementingAgency = "" }, []string{"input.implementingAgency"}, ""},
		{"ErrImplementingAgencyTooLong", func(a *funding.Allocation) { a.ImplementingAgency = runes(51) }, []string{"input.implementingAgency"}, ""},
		{"OkNotApproved", func(a *funding.Allocation) { a.ApprovedOn = funding.Date{} }, nil, ""},
		{"OkNoType", func(a *funding.Allocation) { a.Type = "" }, nil, ""},
		{"OkDisbursement", func(a *funding.Allocation) { a.Type = funding.Disbursement }, nil, ""},
		{"ErrType", func(a *funding.Allocation) { a.Type = "PAYMENT" }, []string{"input.transactionType"}, "INCOMING_FUNDS, COMMITMENT"},
		{"OkDateInYear", func(a *funding.Allocation) { a.Date = funding.MustDate("2019-12-31") }, nil, ""},
		{"ErrDateNotInYear", func(a *funding.Allocation) { a.Date = funding.MustDate("2020-01-01") }, []string{"input.date"}, "year 2019"},
		{"ErrSourceTooLong", func(a *funding.Allocation) { a.Source = runes(5001) }, []string{"input.source"}, ""},
	})
}

// TestAllocationValidateInput: what the API accepts is what Validate accepts, with a
// non-negative amount.
func TestAllocationValidateInput(t *testing.T) {
	runValidation(t, validAllocation, func(a *funding.Allocation) error { return a.ValidateInput("input") }, []validationCase[funding.Allocation]{
		{"ErrAmountNegative", func(a *funding.Allocation) { a.Amount.Units = -1250 }, []string{"input.amount.amount"}, "-12.50"},
		{"OkAmountZero", func(a *funding.Allocation) { a.Amount.Units = 0 }, nil, ""},
		{"ErrBoth", func(a *funding.Allocation) { a.Amount.Units, a.Year = -1, 1800 }, []string{"input.year", "input.amount.amount"}, ""},
	})
}

func TestAllocationValidateAgainst(t *testing.T) {
	fund := func() *funding.TrustFund {
		return &funding.TrustFund{StartsOn: funding.MustDate("2001-01-01"), EndsOn: funding.MustDate("2026-12-31"), Currency: "EUR"}
	}
	for _, tc := range []struct {
		name     string
		change   func(*funding.Allocation, *funding.TrustFund)
		fields   []string
		contains string
	}{
		{"OkWithinPeriod", func(*funding.Allocation, *funding.TrustFund) {}, nil, ""},
		{"OkFirstYear", func(a *funding.Allocation, _ *funding.TrustFund) { a.Year = 2001 }, nil, ""},
		{"OkLastYear", func(a *funding.Allocation, _ *funding.TrustFund) { a.Year = 2026 }, nil, ""},
		{"ErrYearBeforeFund", func(a *funding.Allocation, _ *funding.TrustFund) { a.Year = 2000 }, []string{"input.year"}, "starts in 2001"},
		{"ErrYearAfterFund", func(a *funding.Allocation, _ *funding.TrustFund) { a.Year = 2027 }, []string{"input.year"}, "ends in 2026"},
		{"OkOpenEndedFund", func(a *funding.Allocation, tf *funding.TrustFund) { a.Year, tf.EndsOn = 2090, funding.Date{} }, nil, ""},
		{"ErrCurrencyNotFunds", func(a *funding.Allocation, _ *funding.TrustFund) { a.Amount.Currency = "USD" }, []string{"input.amount.currency"}, "USD"},
		{"ErrYearAndCurrency", func(a *funding.Allocation, tf *funding.TrustFund) { a.Year, tf.Currency = 2030, "USD" },
			[]string{"input.year", "input.amount.currency"}, ""},
		// Validate reports these; ValidateAgainst does not repeat them.
		{"OkLeavesInvalidToValidate", func(a *funding.Allocation, _ *funding.TrustFund) { a.Year, a.Amount.Currency = 1800, "XYZ" }, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, tf := validAllocation(), fund()
			tc.change(a, tf)
			expectProblems(t, a.ValidateAgainst(tf, "input").Err(), tc.fields, tc.contains)
		})
	}
	t.Run("OkNoFund", func(t *testing.T) {
		if ps := validAllocation().ValidateAgainst(nil, "input"); ps != nil {
			t.Errorf("got %v", ps)
		}
	})
	t.Run("ErrCombinedWithValidate", func(t *testing.T) {
		a := validAllocation()
		a.Year, a.ImplementingAgency, a.Amount.Currency = 2030, "", "USD"
		var ps funding.Problems
		ps.AddError(a.Validate("input"))
		ps = append(ps, a.ValidateAgainst(fund(), "input")...)
		expectProblems(t, ps.Err(), []string{"input.implementingAgency", "input.year", "input.amount.currency"}, "")
	})
}

func TestProjectValidate(t *testing.T) {
	shares := func(codes []string, shares ...int) []funding.CountryShare {
		var cs []funding.CountryShare
		for i, s := range shares {
			cs = append(cs, funding.CountryShare{CountryCode: codes[i], Share: s})
		}
		return cs
	}
	three := []string{"MW", "MZ", "ZA"}
	valid := func() *funding.Project {
		return &funding.Project{
			Code: "MWI/19/01/FLA", Title: "Decent work in Malawi", Status: funding.ProjectActive,
			StartsOn: funding.MustDate("2019-01-01"), EndsOn: funding.MustDate("2022-12-31"),
			Themes: []string{"Decent work"}, ImplementingAgency: "ILO",
			Budget:    &funding.Money{Units: 27544200, Currency: "EUR"},
			Countries: shares(three, 3334, 3333, 3333),
		}
	}
	runValidation(t, valid, func(p *funding.Project) error { return p.ValidateInput("input") }, []validationCase[funding.Project]{
		{"ErrCodeEmpty", func(p *funding.Project) { p.Code = "" }, []string{"input.code"}, ""},
		{"ErrCodeTooLong", func(p *funding.Project) { p.Code = runes(201) }, []string{"input.code"}, "at most 200"},
		{"OkCode200Characters", func(p *funding.Project) { p.Code = runes(200) }, nil, ""},
		{"ErrTitleEmpty", func(p *funding.Project) { p.Title = "\n" }, []string{"input.title"}, ""},
		{"ErrTitleTooLong", func(p *funding.Project) { p.Title = runes(201) }, []string{"input.title"}, ""},
		{"ErrDescriptionTooLong", func(p *funding.Project) { p.Description = runes(5001) }, []string{"input.description"}, ""},
		{"ErrStatusUnknown", func(p *funding.Project) { p.Status = "DONE" }, []string{"input.status"}, "PIPELINE, ACTIVE, FINALISATION, COMPLETED, CANCELLED or SUSPENDED"},
		{"OkStatusSuspended", func(p *funding.Project) { p.Status = funding.ProjectSuspended }, nil, ""},
		{"OkStatusPipeline", func(p *funding.Project) { p.Status = funding.ProjectPipeline }, nil, ""},
		{"ErrStartsOnMissing", func(p *funding.Project) { p.StartsOn = funding.Date{} }, []string{"input.startsOn"}, ""},
		{"ErrEndsBeforeStart", func(p *funding.Project) { p.EndsOn = funding.MustDate("2018-12-31") }, []string{"input.endsOn"}, ""},
		{"OkNoEnd", func(p *funding.Project) { p.EndsOn = funding.Date{} }, nil, ""},
		{"ErrThemeTwice", func(p *funding.Project) { p.Themes = []string{"Youth", "Youth"} }, []string{"input.themes[1]"}, ""},
		{"ErrImplementingAgencyEmpty", func(p *funding.Project) { p.ImplementingAgency = "" }, []string{"input.implementingAgency"}, ""},
		{"ErrBudgetNegative", func(p *funding.Project) { p.Budget.Units = -1 }, []string{"input.budget.amount"}, "negative"},
		{"ErrBudgetCurrency", func(p *funding.Project) { p.Budget.Currency = "EURO" }, []string{"input.budget.currency"}, ""},
		{"OkNoBudget", func(p *funding.Project) { p.Budget = nil }, nil, ""},
		{"ErrShareSum", func(p *funding.Project) { p.Countries = shares(three, 3333, 3333, 3333) }, []string{"input.countries"}, "99.99"},
		{"ErrShareSumOver", func(p *funding.Project) { p.Countries = shares(three, 5000, 5000, 1) }, []string{"input.countries"}, "100.01"},
		{"OkGlobal", func(p *funding.Project) { p.Countries = nil }, nil, ""},
		{"OkOneCountry", func(p *funding.Project) { p.Countries = shares(three, 10000) }, nil, ""},
		{"OkTwoDecimals", func(p *funding.Project) { p.Countries = shares(three, 1, 9999) }, nil, ""},
		{"ErrShareZero", func(p *funding.Project) { p.Countries = shares(three, 0, 10000) }, []string{"input.countries[0].share"}, "got 0.00"},
		{"ErrShareNegative", func(p *funding.Project) { p.Countries = shares(three, -100, 10100) },
			[]string{"input.countries[0].share", "input.countries[1].share"}, "-1.00"},
		{"ErrShareOver100", func(p *funding.Project) { p.Countries = shares(three, 10001) },
			[]string{"input.countries[0].share", "input.countries"}, "100.01"},
		{"ErrCountryCode", func(p *funding.Project) { p.Countries[1].CountryCode = "moz" }, []string{"input.countries[1].countryCode"}, `"moz"`},
		{"ErrCountryTwice", func(p *funding.Project) { p.Countries[2].CountryCode = "MW" }, []string{"input.countries[2].countryCode"}, "countries[0]"},
		{"ErrSourceTooLong", func(p *funding.Project) { p.Source = runes(5001) }, []string{"input.source"}, ""},
		{"OkRegionsLeaveSomeUnallocated", func(p *funding.Project) {
			p.Countries = shares(three, 3000, 2000)
			p.Regions = []funding.RegionShare{{Vocabulary: "1", Code: "298", Share: 4000}}
		}, nil, ""},
		{"ErrRegionsOver100", func(p *funding.Project) {
			p.Regions = []funding.RegionShare{{Vocabulary: "1", Code: "298", Share: 1}}
		}, []string{"input.regions"}, "100.01"},
		{"ErrRegionTwice", func(p *funding.Project) {
			p.Countries = nil
			p.Regions = []funding.RegionShare{{Vocabulary: "1", Code: "298", Share: 10}, {Vocabulary: "1", Code: "298", Share: 10}}
		}, []string{"input.regions[1].code"}, "regions[0]"},
		{"ErrRegionEmpty", func(p *funding.Project) {
			p.Regions = []funding.RegionShare{{Share: 0}}
			p.Countries = nil
		}, []string{"input.regions[0].vocabulary", "input.regions[0].code", "input.regions[0].share"}, ""},
		{"OkSectorsOfTwoVocabularies", func(p *funding.Project) {
			p.Sectors = []funding.SectorShare{{Vocabulary: "1", Code: "16020", Share: 10000}, {Vocabulary: "2", Code: "160", Share: 10000}}
		}, nil, ""},
		{"ErrSectorShare", func(p *funding.Project) {
			p.Sectors = []funding.SectorShare{{Vocabulary: "1", Code: "16020", Share: 10001}}
		}, []string{"input.sectors[0].share"}, "100.01"},
		{"ErrActualEndBeforeStart", func(p *funding.Project) {
			p.ActualStartsOn, p.ActualEndsOn = funding.MustDate("2020-01-02"), funding.MustDate("2020-01-01")
		}, []string{"input.actualEndsOn"}, "2020-01-01"},
		{"OkActualStartOnly", func(p *funding.Project) { p.ActualStartsOn = funding.MustDate("2019-02-01") }, nil, ""},
		{"ErrReportingOrgTooLong", func(p *funding.Project) { p.ReportingOrg = runes(201) }, []string{"input.reportingOrg"}, ""},
	})
	// Validate, for data that is not entered through the API (an import), leaves what the
	// shares do not cover unallocated.
	t.Run("OkValidatePartialShares", func(t *testing.T) {
		p := valid()
		p.Countries = shares(three, 3333, 3333)
		if err := p.Validate("input"); err != nil {
			t.Errorf("Validate: %v", err)
		}
		expectProblems(t, p.ValidateInput("input"), []string{"input.countries"}, "66.66")
	})
}

func TestTransactionTypeCodes(t *testing.T) {
	for code, want := range map[string]funding.TransactionType{"1": funding.IncomingFunds, "2": funding.Commitment,
		"3": funding.Disbursement, "4": funding.Expenditure, "11": funding.IncomingCommitment, "13": funding.IncomingPledge} {
		got, ok := funding.TransactionTypeOfCode(code)
		if !ok || got != want || strconv.Itoa(got.Code()) != code {
			t.Errorf("code %s: %s, %v (code %d); want %s", code, got, ok, got.Code(), want)
		}
	}
	for _, code := range []string{"0", "14", "", "C", "02x"} {
		if got, ok := funding.TransactionTypeOfCode(code); ok {
			t.Errorf("code %q: %s, want none", code, got)
		}
	}
	if funding.TransactionType("PAYMENT").Valid() || !funding.OutgoingPledge.Valid() {
		t.Error("Valid is wrong")
	}
}

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		name, amount, currency string
		want                   int64
		contains               string // for errors
	}{
		{"OkEUR", "450000.50", "EUR", 45000050, ""},
		{"OkEURWhole", "12", "EUR", 1200, ""},
		{"ErrEURThreeDecimals", "0.001", "EUR", 0, "at most 2"},
		{"OkKWDThreeDecimals", "0.001", "KWD", 1, ""},
		{"OkIQDThreeDecimals", "0.5", "IQD", 500, ""},
		{"OkJPYWhole", "12", "JPY", 12, ""},
		{"ErrJPYDecimals", "12.5", "JPY", 0, "whole numbers"},
		{"ErrUnknownCurrency", "1", "XYZ", 0, `"XYZ" is not a current ISO 4217`},
		{"ErrCurrencyLowerCase", "1", "eur", 0, "ISO 4217"},
		{"ErrNotANumber", "1e5", "EUR", 0, "not a decimal"},
		{"ErrEmpty", "", "EUR", 0, "not a decimal"},
		{"ErrOutOfRange", "99999999999999999999", "EUR", 0, "out of range"},
		{"OkNegativeParses", "-3.10", "EUR", -310, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := funding.ParseMoney(tc.amount, tc.currency)
			if tc.contains == "" {
				if err != nil || m != (funding.Money{Units: tc.want, Currency: tc.currency}) {
					t.Fatalf("ParseMoney(%q, %q) = %+v, %v; want %d units", tc.amount, tc.currency, m, err, tc.want)
				}
				return
			}
			var e *funding.Error
			if !errors.As(err, &e) || e.Code != funding.EINVALID || e.Field != "" || !strings.Contains(e.Message, tc.contains) {
				t.Fatalf("ParseMoney(%q, %q) = %+v, %v; want an EINVALID error without field mentioning %q", tc.amount, tc.currency, m, err, tc.contains)
			}
		})
	}
}

func TestCurrencyTable(t *testing.T) {
	for code, digits := range map[string]int{
		"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "SEK": 2, "JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0,
		"XOF": 0, "XAF": 0, "KWD": 3, "BHD": 3, "IQD": 3, "TND": 3, "MWK": 2, "IDR": 2, "COP": 2,
		"VES": 2, "MRU": 2, "SLE": 2, "STN": 2,
	} {
		if !funding.ValidCurrencyCode(code) || funding.MinorDigits(code) != digits {
			t.Errorf("%s: valid %v, %d digits; want valid, %d digits", code, funding.ValidCurrencyCode(code), funding.MinorDigits(code), digits)
		}
	}
	for _, code := range []string{"XYZ", "eur", "", "EURO", "EU", "XTS", "XXX", "CNH"} {
		if funding.ValidCurrencyCode(code) {
			t.Errorf("%q is valid", code)
		}
	}
	if funding.MinorDigits("XYZ") != 2 {
		t.Errorf("an unknown code has %d digits, want 2", funding.MinorDigits("XYZ"))
	}
}

func TestEnumsValid(t *testing.T) {
	for _, v := range []funding.DonorType{funding.DonorGovernment, funding.DonorSubnationalGovernment, funding.DonorMultilateral,
		funding.DonorFoundation, funding.DonorPrivateSector, funding.DonorOther} {
		if !v.Valid() {
			t.Errorf("%s is not valid", v)
		}
	}
	for _, v := range []funding.TrustFundStatus{funding.TrustFundActive, funding.TrustFundClosed} {
		if !v.Valid() {
			t.Errorf("%s is not valid", v)
		}
	}
	for _, v := range []funding.ProjectStatus{funding.ProjectPipeline, funding.ProjectActive, funding.ProjectCompleted} {
		if !v.Valid() {
			t.Errorf("%s is not valid", v)
		}
	}
	if funding.DonorType("").Valid() || funding.TrustFundStatus("active").Valid() || funding.ProjectStatus("DONE").Valid() {
		t.Error("an undeclared value is valid")
	}
}

func TestProblems(t *testing.T) {
	var ps funding.Problems
	if ps.Err() != nil {
		t.Fatal("no problems gave an error")
	}
	ps.Add("input.name", "must not be %s", "empty")
	err := ps.Err()
	if err.Error() != "input.name: must not be empty" {
		t.Errorf("one problem: %q", err.Error())
	}
	ps.Add("input.year", "bad")
	ps.AddError(nil)
	ps.AddError(funding.Invalid("input.amount", "too precise"))
	ps.AddError(errors.New("plain"))
	ps.AddError(err) // an error carrying problems adds them all
	want := []funding.Problem{
		{"input.name", "must not be empty"}, {"input.year", "bad"}, {"input.amount", "too precise"},
		{"", "plain"}, {"input.name", "must not be empty"},
	}
	if !slices.Equal(ps, want) {
		t.Fatalf("problems %v, want %v", ps, want)
	}
	err = ps.Err()
	if err.Error() != "input.name: must not be empty (and 4 more problems)" {
		t.Errorf("Error() = %q", err.Error())
	}
	ps[0].Field = "changed"
	var e *funding.Error
	if errors.As(err, &e); e.Problems[0].Field != "input.name" {
		t.Error("the error shares its problems with the collector")
	}
	ps = ps[:2]
	if got := ps.Err().Error(); got != "changed: must not be empty (and 1 more problem)" {
		t.Errorf("Error() = %q", got)
	}
}

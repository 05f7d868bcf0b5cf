package edit

import (
	"context"
	"fmt"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// The changes of each kind: what is specific to it is how a new object gets its id and
// what its check looks at besides the domain's Validate (its references and unique
// codes). What refers to an object, so that its delete is refused, is the store's
// description of it.
var (
	// Countries: a country's id is its code, which must not be taken.
	Countries = Changes[funding.Country, funding.CountryFilter, funding.CountryOrderField]{funding.Countries, nil, (*Service).checkCountry}
	// Donors: their home and partner countries must exist.
	Donors = Changes[funding.Donor, funding.DonorFilter, funding.DonorOrderField]{funding.Donors, func(d *funding.Donor) *string { return &d.ID }, (*Service).checkDonor}
	// Agreements: their donor must exist.
	Agreements = Changes[funding.Agreement, funding.AgreementFilter, funding.AgreementOrderField]{funding.Agreements, func(a *funding.Agreement) *string { return &a.ID }, (*Service).checkAgreement}
	// TrustFunds: their donor and its agreements must exist; the currency is fixed once
	// the fund has allocations.
	TrustFunds = Changes[funding.TrustFund, funding.TrustFundFilter, funding.TrustFundOrderField]{funding.TrustFunds, func(t *funding.TrustFund) *string { return &t.ID }, (*Service).checkTrustFund}
	// Projects: their countries must exist and their code must not be taken.
	Projects = Changes[funding.Project, funding.ProjectFilter, funding.ProjectOrderField]{funding.Projects, func(p *funding.Project) *string { return &p.ID }, (*Service).checkProject}
	// Allocations: their fund and project must exist and fit (see checkAllocation).
	Allocations = Changes[funding.Allocation, funding.AllocationFilter, funding.AllocationOrderField]{funding.Allocations, func(a *funding.Allocation) *string { return &a.ID }, (*Service).checkNewAllocation}
)

// checkCountry validates a country; a new one's code must not be taken (ECONFLICT).
func (s *Service) checkCountry(ctx context.Context, old, c *funding.Country) error {
	if old == nil {
		if taken, err := lookup(ctx, s, funding.Countries, c.Code); err != nil {
			return err
		} else if taken != nil {
			return &funding.Error{Code: funding.ECONFLICT, Field: "input.code", Message: fmt.Sprintf("country %s exists already", c.Code)}
		}
	}
	return problems(c.Validate("input"), nil)
}

// checkCountries reports the codes (at fields) that name no stored country.
func (s *Service) checkCountries(ctx context.Context, p *funding.Problems, fields, codes []string) error {
	if len(codes) == 0 {
		return nil
	}
	found, err := lookupAll(ctx, s, funding.Countries, codes)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, c := range found {
		known[c.Code] = true
	}
	for i, code := range codes {
		if !known[code] {
			p.Add(fields[i], "%q is not a known ISO 3166-1 country code", code)
		}
	}
	return nil
}

// checkDonor validates a donor and its countries.
func (s *Service) checkDonor(ctx context.Context, _, d *funding.Donor) error {
	var refs funding.Problems
	var fields, codes []string
	if d.HomeCountryCode != "" {
		fields, codes = append(fields, "input.homeCountryCode"), append(codes, d.HomeCountryCode)
	}
	for i, c := range d.PartnerCountryCodes {
		fields, codes = append(fields, fmt.Sprintf("input.partnerCountryCodes[%d]", i)), append(codes, c)
	}
	if err := s.checkCountries(ctx, &refs, fields, codes); err != nil {
		return err
	}
	return problems(d.Validate("input"), refs)
}

// checkAgreement validates an agreement and its donor.
func (s *Service) checkAgreement(ctx context.Context, _, a *funding.Agreement) error {
	var refs funding.Problems
	if err := exists(ctx, s, funding.Donors, &refs, "input.donorId", a.DonorID, "no donor has this id"); err != nil {
		return err
	}
	return problems(a.Validate("input"), refs)
}

// checkTrustFund validates a trust fund, its donor and its agreements (which must be the
// donor's); its currency cannot change while it has allocations (ECONFLICT).
func (s *Service) checkTrustFund(ctx context.Context, old, t *funding.TrustFund) error {
	var refs funding.Problems
	if err := exists(ctx, s, funding.Donors, &refs, "input.donorId", t.DonorID, "no donor has this id"); err != nil {
		return err
	}
	if len(t.AgreementIDs) > 0 {
		as, err := lookupAll(ctx, s, funding.Agreements, t.AgreementIDs)
		if err != nil {
			return err
		}
		donorOf := map[string]string{}
		for _, a := range as {
			donorOf[a.ID] = a.DonorID
		}
		for i, id := range t.AgreementIDs {
			if d, ok := donorOf[id]; !ok {
				refs.Add(fmt.Sprintf("input.agreementIds[%d]", i), "no agreement has this id")
			} else if d != t.DonorID {
				refs.Add(fmt.Sprintf("input.agreementIds[%d]", i), "the agreement is another donor's")
			}
		}
	}
	if old != nil && old.Currency != t.Currency {
		n, err := s.store.CountAllocations(ctx, &funding.AllocationFilter{TrustFundID: &funding.IDFilter{Eq: &funding.ID{Kind: funding.TypeTrustFund, Local: t.ID}}})
		if err != nil {
			return err
		}
		if n > 0 {
			return &funding.Error{Code: funding.ECONFLICT, Field: "input.currency",
				Message: fmt.Sprintf("the fund has %d allocations in %s; its currency cannot change", n, old.Currency)}
		}
	}
	return problems(t.Validate("input"), refs)
}

// checkProject validates a project and its countries; its code must not be another
// project's (ECONFLICT).
func (s *Service) checkProject(ctx context.Context, _, p *funding.Project) error {
	var refs funding.Problems
	fields := make([]string, len(p.Countries))
	codes := make([]string, len(p.Countries))
	for i, c := range p.Countries {
		fields[i], codes[i] = fmt.Sprintf("input.countries[%d].countryCode", i), c.CountryCode
	}
	if err := s.checkCountries(ctx, &refs, fields, codes); err != nil {
		return err
	}
	if err := problems(p.ValidateInput("input"), refs); err != nil {
		return err
	}
	same, err := s.store.FindProjects(ctx, funding.ProjectQuery{Filter: &funding.ProjectFilter{Code: &funding.CodeFilter{Eq: &p.Code}}})
	if err != nil {
		return err
	}
	for _, o := range same {
		if o.ID != p.ID {
			return &funding.Error{Code: funding.ECONFLICT, Field: "input.code", Message: fmt.Sprintf("project code %s is taken", p.Code)}
		}
	}
	return nil
}

// checkNewAllocation is checkAllocation of the input of a single allocation, created or
// changed (old is its stored version): a negative amount is refused unless it is the
// amount stored already (an imported correction whose other fields an editor changes).
func (s *Service) checkNewAllocation(ctx context.Context, old, a *funding.Allocation) error {
	return s.checkAllocation(ctx, a, "input", old != nil && old.Amount == a.Amount)
}

// checkAllocation validates an allocation and its references: its fund and project exist,
// its year is in the fund's period and its currency is the fund's. Its amount must not be
// negative (ValidateInput) unless keep says it is the amount stored already.
func (s *Service) checkAllocation(ctx context.Context, a *funding.Allocation, prefix string, keep bool) error {
	var refs funding.Problems
	tf, err := lookup(ctx, s, funding.TrustFunds, a.TrustFundID)
	if err != nil {
		return err
	}
	if tf == nil {
		refs.Add(prefix+".trustFundId", "no trust fund has this id")
	} else {
		refs = append(refs, a.ValidateAgainst(tf, prefix)...)
	}
	if err := exists(ctx, s, funding.Projects, &refs, prefix+".projectId", a.ProjectID, "no project has this id"); err != nil {
		return err
	}
	if keep {
		return problems(a.Validate(prefix), refs)
	}
	return problems(a.ValidateInput(prefix), refs)
}

// CreateAllocations adds a batch of allocations: all are checked first (problems of item
// i are reported under input[i]), then all are written, or none.
func (s *Service) CreateAllocations(ctx context.Context, actor string, as []*funding.Allocation, parse funding.Problems) ([]*funding.Allocation, error) {
	if len(as) == 0 || len(as) > 100 {
		return nil, funding.Invalid("input", "give 1 to 100 allocations, got %d", len(as))
	}
	var found funding.Problems
	for i, a := range as {
		err := s.checkAllocation(ctx, a, fmt.Sprintf("input[%d]", i), false)
		if err != nil && funding.ErrorCode(err) != funding.EINVALID {
			return nil, err
		}
		found.AddError(err)
	}
	if err := withParse(parse, found.Err()); err != nil {
		return nil, err
	}
	now := s.now()
	for _, a := range as {
		a.ID = s.newID()
		a.Meta = funding.Meta{Version: 1, CreatedAt: now, UpdatedAt: now, Change: s.newID()}
	}
	// One audit entry per allocation, all pending until the batch is stored.
	var ids []string
	for _, a := range as {
		e := &funding.AuditEntry{ID: a.Change, At: now, Actor: actor, Action: funding.ActionCreate,
			EntityType: funding.TypeAllocation, EntityID: a.ID, Version: 1, After: asMap(a)}
		e.Fields = changed(nil, e.After)
		if err := s.store.BeginAudit(ctx, e); err != nil {
			s.endAll(ctx, ids, false)
			return nil, err
		}
		ids = append(ids, e.ID)
	}
	err := s.store.AllocationWriter().Insert(ctx, as...)
	s.endAll(ctx, ids, err == nil)
	if err != nil {
		return nil, err
	}
	return as, nil
}

// endAll settles the audit entries ids of a batch.
func (s *Service) endAll(ctx context.Context, ids []string, happened bool) {
	for _, id := range ids {
		_ = s.store.EndAudit(ctx, id, happened)
	}
}

package edit

import (
	"context"
	"fmt"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// The changes of each entity. Create and update check the whole new value: the domain's
// Validate, then the references (a missing donor, fund, project or country is reported on
// the input field that names it), all problems together.

func (s *Service) countries() change[funding.Country] {
	return change[funding.Country]{s: s, typ: funding.TypeCountry, writer: s.store.CountryWriter(),
		load: func(ctx context.Context, code string) (*funding.Country, error) {
			return first(s.store.FindCountries(ctx, funding.CountryQuery{Within: byID(code)}))
		},
		meta: func(c *funding.Country) *funding.Meta { return &c.Meta },
		validate: func(ctx context.Context, old, c *funding.Country) error {
			var refs funding.Problems
			if old == nil {
				if taken, err := first(s.store.FindCountries(ctx, funding.CountryQuery{Within: byID(c.Code)})); err != nil {
					return err
				} else if taken != nil {
					return &funding.Error{Code: funding.ECONFLICT, Field: "input.code", Message: fmt.Sprintf("country %s exists already", c.Code)}
				}
			}
			return problems(c.Validate("input"), refs)
		},
	}
}

// CreateCountry adds a country. Returns ECONFLICT if its code is taken.
func (s *Service) CreateCountry(ctx context.Context, actor string, c *funding.Country, parse funding.Problems) (*funding.Country, error) {
	return s.countries().create(ctx, actor, c.Code, c, parse)
}

// UpdateCountry applies patch to the country code at version expected.
func (s *Service) UpdateCountry(ctx context.Context, actor, code string, expected int, patch func(*funding.Country), parse funding.Problems) (*funding.Country, error) {
	return s.countries().update(ctx, actor, code, expected, patch, parse)
}

// DeleteCountry deletes the country code at version expected.
func (s *Service) DeleteCountry(ctx context.Context, actor, code string, expected int) error {
	return s.countries().remove(ctx, actor, code, expected)
}

// checkCountries reports the codes (at fields) that name no stored country.
func (s *Service) checkCountries(ctx context.Context, p *funding.Problems, fields, codes []string) error {
	if len(codes) == 0 {
		return nil
	}
	found, err := s.store.FindCountries(ctx, funding.CountryQuery{Within: byID(codes...)})
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

func (s *Service) donors() change[funding.Donor] {
	return change[funding.Donor]{s: s, typ: funding.TypeDonor, writer: s.store.DonorWriter(),
		load: func(ctx context.Context, id string) (*funding.Donor, error) {
			return first(s.store.FindDonors(ctx, funding.DonorQuery{Within: byID(id)}))
		},
		meta: func(d *funding.Donor) *funding.Meta { return &d.Meta },
		validate: func(ctx context.Context, _, d *funding.Donor) error {
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
		},
	}
}

// CreateDonor adds a donor.
func (s *Service) CreateDonor(ctx context.Context, actor string, d *funding.Donor, parse funding.Problems) (*funding.Donor, error) {
	d.ID = s.newID()
	return s.donors().create(ctx, actor, d.ID, d, parse)
}

// UpdateDonor applies patch to the donor id at version expected.
func (s *Service) UpdateDonor(ctx context.Context, actor, id string, expected int, patch func(*funding.Donor), parse funding.Problems) (*funding.Donor, error) {
	return s.donors().update(ctx, actor, id, expected, patch, parse)
}

// DeleteDonor deletes the donor id at version expected, unless it has agreements or
// trust funds.
func (s *Service) DeleteDonor(ctx context.Context, actor, id string, expected int) error {
	return s.donors().remove(ctx, actor, id, expected)
}

// checkDonor reports a donor id that names no stored donor.
func (s *Service) checkDonor(ctx context.Context, p *funding.Problems, field, id string) error {
	d, err := first(s.store.FindDonors(ctx, funding.DonorQuery{Within: byID(id)}))
	if err == nil && d == nil {
		p.Add(field, "no donor has this id")
	}
	return err
}

func (s *Service) agreements() change[funding.Agreement] {
	return change[funding.Agreement]{s: s, typ: funding.TypeAgreement, writer: s.store.AgreementWriter(),
		load: func(ctx context.Context, id string) (*funding.Agreement, error) {
			return first(s.store.FindAgreements(ctx, funding.AgreementQuery{Within: byID(id)}))
		},
		meta: func(a *funding.Agreement) *funding.Meta { return &a.Meta },
		validate: func(ctx context.Context, _, a *funding.Agreement) error {
			var refs funding.Problems
			if err := s.checkDonor(ctx, &refs, "input.donorId", a.DonorID); err != nil {
				return err
			}
			return problems(a.Validate("input"), refs)
		},
	}
}

// CreateAgreement adds an agreement.
func (s *Service) CreateAgreement(ctx context.Context, actor string, a *funding.Agreement, parse funding.Problems) (*funding.Agreement, error) {
	a.ID = s.newID()
	return s.agreements().create(ctx, actor, a.ID, a, parse)
}

// UpdateAgreement applies patch to the agreement id at version expected.
func (s *Service) UpdateAgreement(ctx context.Context, actor, id string, expected int, patch func(*funding.Agreement), parse funding.Problems) (*funding.Agreement, error) {
	return s.agreements().update(ctx, actor, id, expected, patch, parse)
}

// DeleteAgreement deletes the agreement id at version expected, unless a trust fund
// refers to it.
func (s *Service) DeleteAgreement(ctx context.Context, actor, id string, expected int) error {
	return s.agreements().remove(ctx, actor, id, expected)
}

func (s *Service) trustFunds() change[funding.TrustFund] {
	return change[funding.TrustFund]{s: s, typ: funding.TypeTrustFund, writer: s.store.TrustFundWriter(),
		load: func(ctx context.Context, id string) (*funding.TrustFund, error) {
			return first(s.store.FindTrustFunds(ctx, funding.TrustFundQuery{Within: byID(id)}))
		},
		meta: func(t *funding.TrustFund) *funding.Meta { return &t.Meta },
		validate: func(ctx context.Context, old, t *funding.TrustFund) error {
			var refs funding.Problems
			if err := s.checkDonor(ctx, &refs, "input.donorId", t.DonorID); err != nil {
				return err
			}
			if len(t.AgreementIDs) > 0 {
				as, err := s.store.FindAgreements(ctx, funding.AgreementQuery{Within: byID(t.AgreementIDs...)})
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
		},
	}
}

func ptr[T any](v T) *T { return &v }

// CreateTrustFund adds a trust fund.
func (s *Service) CreateTrustFund(ctx context.Context, actor string, t *funding.TrustFund, parse funding.Problems) (*funding.TrustFund, error) {
	t.ID = s.newID()
	return s.trustFunds().create(ctx, actor, t.ID, t, parse)
}

// UpdateTrustFund applies patch to the trust fund id at version expected. Its currency
// cannot change while it has allocations (ECONFLICT).
func (s *Service) UpdateTrustFund(ctx context.Context, actor, id string, expected int, patch func(*funding.TrustFund), parse funding.Problems) (*funding.TrustFund, error) {
	return s.trustFunds().update(ctx, actor, id, expected, patch, parse)
}

// DeleteTrustFund deletes the trust fund id at version expected, unless it has allocations.
func (s *Service) DeleteTrustFund(ctx context.Context, actor, id string, expected int) error {
	return s.trustFunds().remove(ctx, actor, id, expected)
}

func (s *Service) projects() change[funding.Project] {
	return change[funding.Project]{s: s, typ: funding.TypeProject, writer: s.store.ProjectWriter(),
		load: func(ctx context.Context, id string) (*funding.Project, error) {
			return first(s.store.FindProjects(ctx, funding.ProjectQuery{Within: byID(id)}))
		},
		meta: func(p *funding.Project) *funding.Meta { return &p.Meta },
		validate: func(ctx context.Context, _, p *funding.Project) error {
			var refs funding.Problems
			fields := make([]string, len(p.Countries))
			codes := make([]string, len(p.Countries))
			for i, c := range p.Countries {
				fields[i], codes[i] = fmt.Sprintf("input.countries[%d].countryCode", i), c.CountryCode
			}
			if err := s.checkCountries(ctx, &refs, fields, codes); err != nil {
				return err
			}
			if err := problems(p.Validate("input"), refs); err != nil {
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
		},
	}
}

// CreateProject adds a project. Returns ECONFLICT if its code is taken.
func (s *Service) CreateProject(ctx context.Context, actor string, p *funding.Project, parse funding.Problems) (*funding.Project, error) {
	p.ID = s.newID()
	return s.projects().create(ctx, actor, p.ID, p, parse)
}

// UpdateProject applies patch to the project id at version expected.
func (s *Service) UpdateProject(ctx context.Context, actor, id string, expected int, patch func(*funding.Project), parse funding.Problems) (*funding.Project, error) {
	return s.projects().update(ctx, actor, id, expected, patch, parse)
}

// DeleteProject deletes the project id at version expected, unless it has allocations.
func (s *Service) DeleteProject(ctx context.Context, actor, id string, expected int) error {
	return s.projects().remove(ctx, actor, id, expected)
}

func (s *Service) allocations() change[funding.Allocation] {
	return change[funding.Allocation]{s: s, typ: funding.TypeAllocation, writer: s.store.AllocationWriter(),
		load: func(ctx context.Context, id string) (*funding.Allocation, error) {
			return first(s.store.FindAllocations(ctx, funding.AllocationQuery{Within: byID(id)}))
		},
		meta: func(a *funding.Allocation) *funding.Meta { return &a.Meta },
		validate: func(ctx context.Context, _, a *funding.Allocation) error {
			return s.checkAllocation(ctx, a, "input")
		},
	}
}

// checkAllocation validates an allocation and its references: its fund and project exist,
// its year is in the fund's period and its currency is the fund's.
func (s *Service) checkAllocation(ctx context.Context, a *funding.Allocation, prefix string) error {
	var refs funding.Problems
	tf, err := first(s.store.FindTrustFunds(ctx, funding.TrustFundQuery{Within: byID(a.TrustFundID)}))
	if err != nil {
		return err
	}
	if tf == nil {
		refs.Add(prefix+".trustFundId", "no trust fund has this id")
	} else {
		refs = append(refs, a.ValidateAgainst(tf, prefix)...)
	}
	p, err := first(s.store.FindProjects(ctx, funding.ProjectQuery{Within: byID(a.ProjectID)}))
	if err != nil {
		return err
	}
	if p == nil {
		refs.Add(prefix+".projectId", "no project has this id")
	}
	return problems(a.Validate(prefix), refs)
}

// CreateAllocation adds an allocation.
func (s *Service) CreateAllocation(ctx context.Context, actor string, a *funding.Allocation, parse funding.Problems) (*funding.Allocation, error) {
	a.ID = s.newID()
	return s.allocations().create(ctx, actor, a.ID, a, parse)
}

// CreateAllocations adds a batch of allocations: all are checked first (problems of item
// i are reported under input[i]), then all are written, or none.
func (s *Service) CreateAllocations(ctx context.Context, actor string, as []*funding.Allocation, parse funding.Problems) ([]*funding.Allocation, error) {
	if len(as) == 0 || len(as) > 100 {
		return nil, funding.Invalid("input", "give 1 to 100 allocations, got %d", len(as))
	}
	var found funding.Problems
	for i, a := range as {
		err := s.checkAllocation(ctx, a, fmt.Sprintf("input[%d]", i))
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

func (s *Service) endAll(ctx context.Context, ids []string, happened bool) {
	for _, id := range ids {
		_ = s.store.EndAudit(ctx, id, happened)
	}
}

// UpdateAllocation applies patch to the allocation id at version expected.
func (s *Service) UpdateAllocation(ctx context.Context, actor, id string, expected int, patch func(*funding.Allocation), parse funding.Problems) (*funding.Allocation, error) {
	return s.allocations().update(ctx, actor, id, expected, patch, parse)
}

// DeleteAllocation deletes the allocation id at version expected.
func (s *Service) DeleteAllocation(ctx context.Context, actor, id string, expected int) error {
	return s.allocations().remove(ctx, actor, id, expected)
}

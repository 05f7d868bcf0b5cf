package funding

// Entity filters. Each field is optional; all fields given must hold; and, or and not
// combine whole filters. Reference fields (donorID, countryCode, …) follow the
// relationship: a project's donorID filter matches projects that received an allocation
// from a trust fund of that donor.

// CountryFilter selects countries.
type CountryFilter struct {
	Code      *CodeFilter
	Name      *TextFilter
	Region    *CodeFilter
	SubRegion *CodeFilter
	And       []CountryFilter
	Or        []CountryFilter
	Not       *CountryFilter
}

// DonorFilter selects donors.
type DonorFilter struct {
	ID                 *IDFilter
	Name               *TextFilter
	Ref                *CodeFilter
	Type               *DonorTypeFilter
	HomeCountryCode    *CodeFilter
	PartnerCountryCode *CodeFilter
	CooperatingSince   *IntFilter
	And                []DonorFilter
	Or                 []DonorFilter
	Not                *DonorFilter
}

// AgreementFilter selects agreements.
type AgreementFilter struct {
	ID          *IDFilter
	DonorID     *IDFilter
	Counterpart *CodeFilter
	Title       *TextFilter
	Theme       *CodeFilter
	SignedOn    *DateFilter
	StartsOn    *DateFilter
	EndsOn      *DateFilter
	And         []AgreementFilter
	Or          []AgreementFilter
	Not         *AgreementFilter
}

// TrustFundFilter selects trust funds.
type TrustFundFilter struct {
	ID          *IDFilter
	DonorID     *IDFilter
	AgreementID *IDFilter
	Name        *TextFilter
	Status      *TrustFundStatusFilter
	Currency    *CodeFilter
	StartsOn    *DateFilter
	EndsOn      *DateFilter
	And         []TrustFundFilter
	Or          []TrustFundFilter
	Not         *TrustFundFilter
}

// AllocationFilter selects allocations.
type AllocationFilter struct {
	ID                 *IDFilter
	TrustFundID        *IDFilter
	ProjectID          *IDFilter
	DonorID            *IDFilter
	CountryCode        *CodeFilter
	TransactionType    *TransactionTypeFilter // COMMITMENT matches allocations stored without a type
	Year               *IntFilter
	Date               *DateFilter
	Amount             *DecimalFilter
	Currency           *CodeFilter
	ImplementingAgency *CodeFilter
	ApprovedOn         *DateFilter
	FlowType           *CodeFilter // the flow type's code (its own or its activity's default)
	FinanceType        *CodeFilter
	ProviderRef        *CodeFilter // the provider's ref; ne and notIn match allocations without one
	ReceiverRef        *CodeFilter
	And                []AllocationFilter
	Or                 []AllocationFilter
	Not                *AllocationFilter
}

// ProjectFilter selects projects.
type ProjectFilter struct {
	ID                 *IDFilter
	Code               *CodeFilter
	Title              *TextFilter
	Status             *ProjectStatusFilter
	StartsOn           *DateFilter
	EndsOn             *DateFilter
	Theme              *CodeFilter
	ImplementingAgency *CodeFilter
	CountryCode        *CodeFilter
	Region             *CodeFilter
	DonorID            *IDFilter
	TrustFundID        *IDFilter
	And                []ProjectFilter
	Or                 []ProjectFilter
	Not                *ProjectFilter
}

// Validate reports the problems of the filter as an EINVALID error naming the first one's path
// under path (e.g. "filter.startsOn.gte").
func (f *CountryFilter) Validate(path string) error {
	p := &Problems{}
	f.check(p, path)
	return p.Err()
}

func (f *CountryFilter) check(p *Problems, path string) {
	if f == nil {
		return
	}
	f.Code.check(p, join(path, "code"))
	f.Name.check(p, join(path, "name"))
	f.Region.check(p, join(path, "region"))
	f.SubRegion.check(p, join(path, "subRegion"))
	checkBool(p, path, f.And, f.Or, f.Not, (*CountryFilter).check)
}

// Validate reports the problems of the filter (see CountryFilter.Validate).
func (f *DonorFilter) Validate(path string) error {
	p := &Problems{}
	f.check(p, path)
	return p.Err()
}

func (f *DonorFilter) check(p *Problems, path string) {
	if f == nil {
		return
	}
	f.ID.check(p, join(path, "id"), TypeDonor)
	f.Name.check(p, join(path, "name"))
	f.Ref.check(p, join(path, "ref"))
	f.Type.check(p, join(path, "type"))
	f.HomeCountryCode.check(p, join(path, "homeCountryCode"))
	f.PartnerCountryCode.check(p, join(path, "partnerCountryCode"))
	checkInt(p, join(path, "cooperatingSince"), f.CooperatingSince)
	checkBool(p, path, f.And, f.Or, f.Not, (*DonorFilter).check)
}

// Validate reports the problems of the filter (see CountryFilter.Validate).
func (f *AgreementFilter) Validate(path string) error {
	p := &Problems{}
	f.check(p, path)
	return p.Err()
}

func (f *AgreementFilter) check(p *Problems, path string) {
	if f == nil {
		return
	}
	f.ID.check(p, join(path, "id"), TypeAgreement)
	f.DonorID.check(p, join(path, "donorId"), TypeDonor)
	f.Counterpart.check(p, join(path, "counterpart"))
	f.Title.check(p, join(path, "title"))
	f.Theme.check(p, join(path, "theme"))
	f.SignedOn.check(p, join(path, "signedOn"))
	f.StartsOn.check(p, join(path, "startsOn"))
	f.EndsOn.check(p, join(path, "endsOn"))
	checkBool(p, path, f.And, f.Or, f.Not, (*AgreementFilter).check)
}

// Validate reports the problems of the filter (see CountryFilter.Validate).
func (f *TrustFundFilter) Validate(path string) error {
	p := &Problems{}
	f.check(p, path)
	return p.Err()
}

func (f *TrustFundFilter) check(p *Problems, path string) {
	if f == nil {
		return
	}
	f.ID.check(p, join(path, "id"), TypeTrustFund)
	f.DonorID.check(p, join(path, "donorId"), TypeDonor)
	f.AgreementID.check(p, join(path, "agreementId"), TypeAgreement)
	f.Name.check(p, join(path, "name"))
	f.Status.check(p, join(path, "status"))
	f.Currency.check(p, join(path, "currency"))
	f.StartsOn.check(p, join(path, "startsOn"))
	f.EndsOn.check(p, join(path, "endsOn"))
	checkBool(p, path, f.And, f.Or, f.Not, (*TrustFundFilter).check)
}

// Validate reports the problems of the filter (see CountryFilter.Validate).
func (f *AllocationFilter) Validate(path string) error {
	p := &Problems{}
	f.check(p, path)
	return p.Err()
}

func (f *AllocationFilter) check(p *Problems, path string) {
	if f == nil {
		return
	}
	f.ID.check(p, join(path, "id"), TypeAllocation)
	f.TrustFundID.check(p, join(path, "trustFundId"), TypeTrustFund)
	f.ProjectID.check(p, join(path, "projectId"), TypeProject)
	f.DonorID.check(p, join(path, "donorId"), TypeDonor)
	f.CountryCode.check(p, join(path, "countryCode"))
	f.TransactionType.check(p, join(path, "transactionType"))
	checkInt(p, join(path, "year"), f.Year)
	f.Date.check(p, join(path, "date"))
	checkDecimal(p, join(path, "amount"), f.Amount)
	f.Currency.check(p, join(path, "currency"))
	f.ImplementingAgency.check(p, join(path, "implementingAgency"))
	f.ApprovedOn.check(p, join(path, "approvedOn"))
	f.FlowType.check(p, join(path, "flowType"))
	f.FinanceType.check(p, join(path, "financeType"))
	f.ProviderRef.check(p, join(path, "providerRef"))
	f.ReceiverRef.check(p, join(path, "receiverRef"))
	checkBool(p, path, f.And, f.Or, f.Not, (*AllocationFilter).check)
}

// Validate reports the problems of the filter (see CountryFilter.Validate).
func (f *ProjectFilter) Validate(path string) error {
	p := &Problems{}
	f.check(p, path)
	return p.Err()
}

func (f *ProjectFilter) check(p *Problems, path string) {
	if f == nil {
		return
	}
	f.ID.check(p, join(path, "id"), TypeProject)
	f.Code.check(p, join(path, "code"))
	f.Title.check(p, join(path, "title"))
	f.Status.check(p, join(path, "status"))
	f.StartsOn.check(p, join(path, "startsOn"))
	f.EndsOn.check(p, join(path, "endsOn"))
	f.Theme.check(p, join(path, "theme"))
	f.ImplementingAgency.check(p, join(path, "implementingAgency"))
	f.CountryCode.check(p, join(path, "countryCode"))
	f.Region.check(p, join(path, "region"))
	f.DonorID.check(p, join(path, "donorId"), TypeDonor)
	f.TrustFundID.check(p, join(path, "trustFundId"), TypeTrustFund)
	checkBool(p, path, f.And, f.Or, f.Not, (*ProjectFilter).check)
}

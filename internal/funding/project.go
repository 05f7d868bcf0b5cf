package funding

import "time"

// ProjectStatus is the life-cycle state of a project, after IATI's ActivityStatus code
// list: 1 PIPELINE, 2 ACTIVE, 3 FINALISATION, 4 COMPLETED, 5 CANCELLED, 6 SUSPENDED.
type ProjectStatus string

// Project statuses.
const (
	ProjectPipeline     ProjectStatus = "PIPELINE"
	ProjectActive       ProjectStatus = "ACTIVE"
	ProjectFinalisation ProjectStatus = "FINALISATION"
	ProjectCompleted    ProjectStatus = "COMPLETED"
	ProjectCancelled    ProjectStatus = "CANCELLED"
	ProjectSuspended    ProjectStatus = "SUSPENDED"
)

// ProjectStatuses lists the project statuses in the order of their IATI ActivityStatus
// codes (the status of code n is ProjectStatuses[n-1]).
var ProjectStatuses = []ProjectStatus{
	ProjectPipeline, ProjectActive, ProjectFinalisation, ProjectCompleted, ProjectCancelled, ProjectSuspended,
}

// Project is a piece of development work that receives allocations.
type Project struct {
	Meta
	ID                 string
	Code               string
	Title              string
	Description        string
	Status             ProjectStatus
	StartsOn           Date // planned start
	EndsOn             Date // planned end; zero if open-ended
	ActualStartsOn     Date // zero until known
	ActualEndsOn       Date // zero until known
	Themes             []string
	ImplementingAgency string
	ReportingOrg       string // the name of the organisation that reports the project (IATI reporting-org); may be empty
	Budget             *Money
	Countries          []CountryShare // empty for a global project
	Regions            []RegionShare  // recipient regions (IATI recipient-region); usually empty
	Sectors            []SectorShare  // sectors with their vocabulary (IATI sector)
	Illustrative       bool           // true when figures (the budget) are invented for the demo
	Source             string         // where the project's facts come from, e.g. "IATI activity file ilo.xml"
	// LastUpdatedAt is when the publisher last changed the activity the project was
	// imported from (IATI's last-updated-datetime); zero when unknown or not imported.
	LastUpdatedAt time.Time
	// ImportDigest is a digest of the imported activity's content, which a re-import
	// compares; empty when not imported. It is stored, not shown.
	ImportDigest string
}

// CountryShare is the part of a project that takes place in one country, as a percentage
// in hundredths (3333 is 33.33 %). A project's country and region shares sum to at most
// 10000; what is left is unallocated (reports show it in the unallocated row).
type CountryShare struct {
	CountryCode string
	Share       int
}

// RegionShare is the part of a project that takes place in a region rather than in one
// country (IATI recipient-region): a code in a vocabulary ("1" is the OECD DAC regions,
// e.g. "298" Africa, regional) and a share in hundredths of a percent. Reports by country
// count it as unallocated.
type RegionShare struct {
	Vocabulary string
	Code       string
	Share      int
}

// SectorShare is the part of a project in one sector: a code in a vocabulary ("1" is the
// OECD DAC 5-digit purpose codes, "2" the 3-digit categories) and a share in hundredths of
// a percent.
type SectorShare struct {
	Vocabulary string
	Code       string
	Share      int
}

// ShareScale is the value of a share that means 100 %.
const ShareScale = 10000

// Allocated is the sum of the project's country and region shares (at most ShareScale).
func (p *Project) Allocated() int {
	sum := 0
	for _, c := range p.Countries {
		sum += c.Share
	}
	for _, r := range p.Regions {
		sum += r.Share
	}
	return sum
}

// Percent is the share in percent (33.33 for 3333).
func (c CountryShare) Percent() float64 { return float64(c.Share) / 100 }

// Percent is the share in percent (33.33 for 3333).
func (r RegionShare) Percent() float64 { return float64(r.Share) / 100 }

// Percent is the share in percent (33.33 for 3333).
func (s SectorShare) Percent() float64 { return float64(s.Share) / 100 }

package funding

// ProjectStatus is the life-cycle state of a project.
type ProjectStatus string

// Project statuses.
const (
	ProjectPipeline  ProjectStatus = "PIPELINE"
	ProjectActive    ProjectStatus = "ACTIVE"
	ProjectCompleted ProjectStatus = "COMPLETED"
)

// Project is a piece of development work that receives allocations.
type Project struct {
	Meta
	ID                 string
	Code               string
	Title              string
	Description        string
	Status             ProjectStatus
	StartsOn           Date
	EndsOn             Date
	Themes             []string
	ImplementingAgency string
	Budget             *Money
	Countries          []CountryShare // empty for a global project
	Illustrative       bool           // true when figures (the budget) are invented for the demo
	Source             string
}

// CountryShare is the part of a project that takes place in one country, as a percentage
// in hundredths (3333 is 33.33 %). A project's shares sum to 10000.
type CountryShare struct {
	CountryCode string
	Share       int
}

// ShareScale is the value of CountryShare.Share that means 100 %.
const ShareScale = 10000

// Percent is the share in percent (33.33 for 3333).
func (c CountryShare) Percent() float64 { return float64(c.Share) / 100 }

package iati

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// Reader streams the activities of one IATI activity file.
type Reader struct {
	d       *xml.Decoder
	n       *counter
	Version string // iati-activities/@version, once the root element is read
}

// NewReader returns a Reader of the activity file r.
func NewReader(r io.Reader) *Reader {
	n := &counter{r: r}
	d := xml.NewDecoder(n)
	d.CharsetReader = charsetReader
	return &Reader{d: d, n: n}
}

// BytesRead is how many bytes of the file have been read so far.
func (r *Reader) BytesRead() int64 { return r.n.n }

// Next reads the next activity; io.EOF after the last. An activity with Problems is one
// that cannot be imported; the file goes on after it. An error other than io.EOF means
// the XML itself cannot be read further (it names the line).
func (r *Reader) Next() (*Activity, error) {
	for {
		tok, err := r.d.Token()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			line, _ := r.d.InputPos()
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch start.Name.Local {
		case "iati-activities":
			r.Version = attr(start, "version")
		case "iati-activity":
			line, _ := r.d.InputPos()
			var x xActivity
			if err := r.d.DecodeElement(&x, &start); err != nil {
				l, _ := r.d.InputPos()
				return nil, fmt.Errorf("line %d: %w", l, err)
			}
			a := x.activity()
			a.Line = line
			return a, nil
		default:
			// Anything else at the top (iati-organisations, a wrapper) is looked into.
		}
	}
}

// counter counts the bytes read through it.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// charsetReader reads the Latin-1 files some publishers still write; UTF-8 (and ASCII)
// are read by the decoder itself.
func charsetReader(charset string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
		return latin1{in}, nil
	}
	return nil, fmt.Errorf("the file's encoding %q is not supported: convert it to UTF-8", charset)
}

type latin1 struct{ r io.Reader }

func (l latin1) Read(p []byte) (int, error) {
	buf := make([]byte, len(p)/2)
	if len(buf) == 0 {
		return 0, errors.New("latin1: buffer too small")
	}
	n, err := l.r.Read(buf)
	out := p[:0]
	for _, b := range buf[:n] {
		out = append(out, string(rune(b))...)
	}
	return len(out), err
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// The XML of an activity, as far as the importer reads it. Text elements hold either
// narratives (2.0x) or their text directly (1.0x); codes are attributes in both.

type xText struct {
	Text       string `xml:",chardata"`
	Narratives []struct {
		Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		Text string `xml:",chardata"`
	} `xml:"narrative"`
}

// english is the text's English narrative (or one without a language), else its first,
// else the element's own text (1.0x).
func (t xText) english() string {
	for _, n := range t.Narratives {
		if (n.Lang == "" || strings.HasPrefix(strings.ToLower(n.Lang), "en")) && strings.TrimSpace(n.Text) != "" {
			return clean(n.Text)
		}
	}
	for _, n := range t.Narratives {
		if s := clean(n.Text); s != "" {
			return s
		}
	}
	return clean(t.Text)
}

// clean trims s and collapses its runs of white space into one space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

type xOrg struct {
	xText
	Ref  string `xml:"ref,attr"`
	Role string `xml:"role,attr"`
	Type string `xml:"type,attr"`
}

type xCode struct {
	xText
	Code       string `xml:"code,attr"`
	Vocabulary string `xml:"vocabulary,attr"`
	Percentage string `xml:"percentage,attr"`
	Type       string `xml:"type,attr"`
	Ref        string `xml:"ref,attr"`
	OwnerRef   string `xml:"owner-ref,attr"`
	ISODate    string `xml:"iso-date,attr"`
	Line       int    `xml:"-"` // the line of its start tag
}

// UnmarshalXML decodes the element and notes its line.
func (c *xCode) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	c.Line, _ = d.InputPos()
	type plain xCode
	return d.DecodeElement((*plain)(c), &start)
}

type xActivity struct {
	LastUpdated     string     `xml:"last-updated-datetime,attr"`
	DefaultCurrency string     `xml:"default-currency,attr"`
	Identifier      string     `xml:"iati-identifier"`
	OtherIDs        []xCode    `xml:"other-identifier"`
	ReportingOrg    xOrg       `xml:"reporting-org"`
	Title           xText      `xml:"title"`
	Descriptions    []xCode    `xml:"description"`
	Orgs            []xOrg     `xml:"participating-org"`
	Status          *xCode     `xml:"activity-status"`
	Dates           []xCode    `xml:"activity-date"`
	Countries       []xCode    `xml:"recipient-country"`
	Regions         []xCode    `xml:"recipient-region"`
	Sectors         []xCode    `xml:"sector"`
	Transactions    []xTrans   `xml:"transaction"`
	FlowType        *xCode     `xml:"default-flow-type"`
	FinanceType     *xCode     `xml:"default-finance-type"`
	AidTypes        []xCode    `xml:"default-aid-type"`
	Budgets         []struct{} `xml:"budget"`
	Planned         []struct{} `xml:"planned-disbursement"`
}

type xTrans struct {
	TypeAttr string `xml:"type,attr"` // 1.0 files: <transaction type="commitment">
	Type     *xCode `xml:"transaction-type"`
	Date     *xCode `xml:"transaction-date"`
	Value    *struct {
		Text      string `xml:",chardata"`
		Currency  string `xml:"currency,attr"`
		ValueDate string `xml:"value-date,attr"`
	} `xml:"value"`
	Provider    *xTransOrg `xml:"provider-org"`
	Receiver    *xTransOrg `xml:"receiver-org"`
	FlowType    *xCode     `xml:"flow-type"`
	FinanceType *xCode     `xml:"finance-type"`
	AidTypes    []xCode    `xml:"aid-type"`
	Line        int        `xml:"-"`
}

type xTransOrg struct {
	xOrg
	ProviderActivityID string `xml:"provider-activity-id,attr"`
	ReceiverActivityID string `xml:"receiver-activity-id,attr"`
}

// UnmarshalXML decodes the element and notes its line.
func (t *xTrans) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	t.Line, _ = d.InputPos()
	type plain xTrans
	return d.DecodeElement((*plain)(t), &start)
}

// Kinds of warnings (Issue.Kind), as the README lists them.
const (
	kindIdentity    = "identity"            // no iati-identifier: identified by other-identifier
	kindUnreadable  = "unreadable"          // a date, time or percentage that cannot be read: dropped
	kindUnknownCode = "unknown-code"        // a code in no code list, or none: the element dropped
	kindByName      = "code-from-name"      // a country or region found by its name
	kindRegion      = "region-as-country"   // a region given as a recipient-country: a region
	kindMerged      = "merged"              // the same code twice: one, shares added
	kindScaled      = "scaled"              // percentages within the tolerance of 100: scaled to 100
	kindEven        = "percentages-ignored" // percentages over 100: shared evenly
	kindVocabulary  = "vocabulary-dropped"  // regions of a second vocabulary: dropped
	kindDateOrder   = "end-before-start"    // kept as given
	kindDate        = "date-fallback"       // a transaction dated by its value-date or the activity's start
	kindRounded     = "rounded"             // more decimals than the currency has: rounded half to even
	kindCut         = "cut"                 // a sector name too long for a theme: cut
)

// unknownOrg names the reporting organisation of an activity that names none.
const unknownOrg = "Unknown reporting organisation"

// Kinds of transactions left out (Issue.Kind).
const (
	leftType     = "type"             // no transaction-type, or one in no list
	leftValue    = "value"            // no value, or not a decimal number
	leftCurrency = "currency"         // no currency, or one in no list
	leftDate     = "date"             // no date, and the activity has none either
	leftSkipped  = "activity-skipped" // its activity was skipped
)

// activity resolves x's codes and amounts, repairing what it can and noting the rest.
func (x *xActivity) activity() *Activity {
	a := &Activity{
		Identifier:           clean(x.Identifier),
		Title:                x.Title.english(),
		DefaultCurrency:      strings.ToUpper(clean(x.DefaultCurrency)),
		ReportingOrg:         org(x.ReportingOrg),
		Budgets:              len(x.Budgets),
		PlannedDisbursements: len(x.Planned),
	}
	if a.Identifier == "" {
		a.identify(x.OtherIDs)
	}
	if a.Identifier == "" {
		a.Problems = append(a.Problems, "it has no iati-identifier (nor an other-identifier to use instead)")
	}
	if a.ReportingOrg.Name == "" {
		a.ReportingOrg.Name = unknownOrg
		a.warn(0, "reporting-org", kindUnknownCode, "", "no reporting-org name nor ref: reported by %q, its own funder", unknownOrg)
	}
	if s := clean(x.LastUpdated); s != "" {
		t, err := parseDateTime(s)
		if err != nil {
			a.warn(0, "@last-updated-datetime", kindUnreadable, s, "not a date and time: ignored")
		}
		a.LastUpdated = t
	}
	for _, d := range x.Descriptions { // the general description (type 1), else the first
		if t := d.english(); t != "" && (a.Description == "" || d.Type == "" || d.Type == "1") {
			a.Description = t
			if d.Type == "" || d.Type == "1" {
				break
			}
		}
	}
	for _, o := range x.Orgs {
		a.Orgs = append(a.Orgs, org(o))
	}
	if x.Status != nil {
		a.Status = resolve("ActivityStatus", x.Status.Code, x.Status.english(), nil)
	}
	a.readDates(x.Dates)
	a.readPlaces(x.Countries, x.Regions)
	a.readSectors(x.Sectors)
	a.DefaultFlowType, a.DefaultFinanceType, a.DefaultAidTypes = codeOf(x.FlowType), codeOf(x.FinanceType), aidTypes(x.AidTypes)
	for i, t := range x.Transactions {
		a.readTransaction(i+1, t)
	}
	a.dateUndated()
	return a
}

// codeOf is the code of a flow-type or finance-type ("" if there is none).
func codeOf(c *xCode) string {
	if c == nil {
		return ""
	}
	return clean(c.Code)
}

// aidTypes are the codes of aid-types with their vocabularies (1, the OECD DAC aid types,
// when not given), each once.
func aidTypes(cs []xCode) []funding.AidType {
	var out []funding.AidType
	for _, c := range cs {
		t := funding.AidType{Vocabulary: clean(c.Vocabulary), Code: clean(c.Code)}
		if t.Vocabulary == "" {
			t.Vocabulary = "1"
		}
		if t.Code != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// transactionOrg is a provider-org or receiver-org: its name is the file's (none when it
// has none), and activityID its provider-activity-id or receiver-activity-id.
func transactionOrg(o xOrg, activityID string) Org {
	return Org{Ref: clean(o.Ref), Name: o.english(), Type: clean(o.Type), ActivityID: clean(activityID)}
}

// identify gives an activity without an iati-identifier (1.0x files) its identity: the
// first other-identifier's value (its ref, else its text) prefixed with the reporting
// organisation's ref (else the other-identifier's owner-ref) and "-", unless the value
// already starts with that prefix.
func (a *Activity) identify(others []xCode) {
	for i, o := range others {
		v := clean(o.Ref)
		if v == "" {
			v = clean(o.Text)
		}
		if v == "" {
			continue
		}
		q := a.ReportingOrg.Ref
		if q == "" {
			q = clean(o.OwnerRef)
		}
		a.Identifier = v
		if q != "" && v != q && !strings.HasPrefix(v, q+"-") {
			a.Identifier = q + "-" + v
		}
		how := "qualified by the reporting-org ref " + q
		if q == "" {
			how = "unqualified: no reporting-org or owner ref"
		}
		a.warn(o.Line, fmt.Sprintf("other-identifier[%d]", i+1), kindIdentity, v, "no iati-identifier: identified as %s (%s)", a.Identifier, how)
		return
	}
}

func org(o xOrg) Org {
	name := o.english()
	ref := clean(o.Ref)
	if name == "" {
		name = ref
	}
	return Org{Ref: ref, Name: name, Role: resolve("OrganisationRole", o.Role, "", nil), Type: clean(o.Type)}
}

// Legacy (1.0x) codes and names, and misspellings seen in published files, by their
// letters (see letters).
var (
	legacyDateTypes        = map[string]string{"startplanned": "1", "startactual": "2", "endplanned": "3", "endactual": "4"}
	legacyTransactionTypes = map[string]string{
		"c": "2", "d": "3", "e": "4", "if": "1", "ir": "5", "lr": "6", "r": "7", "qp": "8", "qs": "9", "cg": "10",
		"commitment": "2", "commitments": "2", "disbursment": "3", "disbursements": "3", "disbursal": "3",
		"expenditures": "4", "expense": "4", "incomingfund": "1", "interestrepayment": "5",
	}
	legacySectorVocabularies = map[string]string{"dac": "1", "dac3": "2", "ro": "99", "ro2": "98"}
	legacyStatuses           = map[string]string{"pipeline": "1", "identification": "1", "completion": "3", "postcompletion": "4", "completed": "4"}
)

// resolve finds the code of list that code (or, failing that, text) stands for: a code of
// the list, a legacy code or name in legacy, or the name of one of the list's codes. It
// returns "" when none matches.
func resolve(list, code, text string, legacy map[string]string) string {
	for _, s := range []string{clean(code), clean(text)} {
		if s == "" {
			continue
		}
		if _, ok := codeName(list, s); ok {
			return s
		}
		if c, ok := legacy[letters(s)]; ok {
			return c
		}
		if c, ok := codeByName(list, s); ok {
			return c
		}
	}
	return ""
}

// readDates reads the activity-dates: an empty one is ignored, one that cannot be read
// is dropped with a warning, and an end before its start is kept as given, with one.
func (a *Activity) readDates(dates []xCode) {
	var at [4]int // the index of the date of each type
	for i, d := range dates {
		s := clean(d.ISODate)
		if s == "" {
			s = clean(d.Text) // 1.0x files sometimes give the date as text
		}
		if s == "" {
			continue
		}
		date, err := parseDate(s)
		if err != nil {
			a.warn(d.Line, fmt.Sprintf("activity-date[%d]", i+1), kindUnreadable, s, "%v: dropped", err)
			continue
		}
		typ := clean(d.Type)
		if c, ok := legacyDateTypes[letters(typ)]; ok {
			typ = c
		}
		switch typ {
		case "1":
			a.PlannedStart, at[0] = date, i
		case "2":
			a.ActualStart, at[1] = date, i
		case "3":
			a.PlannedEnd, at[2] = date, i
		case "4":
			a.ActualEnd, at[3] = date, i
		}
		a.Dates = append(a.Dates, date)
	}
	for k, what := range []string{"planned", "actual"} {
		start, end := []funding.Date{a.PlannedStart, a.ActualStart}[k], []funding.Date{a.PlannedEnd, a.ActualEnd}[k]
		if !start.IsZero() && !end.IsZero() && end.Time().Before(start.Time()) {
			i := at[k+2]
			a.warn(dates[i].Line, fmt.Sprintf("activity-date[%d]", i+1), kindDateOrder, end.String(),
				"the %s end is before the %s start (%s): kept as given", what, what, start)
		}
	}
}

// A place is a recipient country or region, or a sector, as read, before its share is set.
type place struct {
	Share
	region  bool
	pct     int // in hundredths; -1 when not given
	line    int
	element string
}

// readPlaces reads the recipient countries and regions: a country without a code is
// found by its name, a region named or coded as a country becomes a region, a code in no
// list is dropped, the same code twice is merged. Region vocabularies are never added up
// past 100 %: when the percentages of the countries and of the regions of every
// vocabulary add up to more than 100 % (and the tolerance), only the regions of one
// vocabulary are kept (1, OECD DAC, if the activity uses it, else the first in the file).
func (a *Activity) readPlaces(countries, regions []xCode) {
	var ps []place
	for i, c := range countries {
		el := fmt.Sprintf("recipient-country[%d]", i+1)
		code, text := strings.ToUpper(clean(c.Code)), c.english()
		p := place{pct: a.percent(c, el), line: c.Line, element: el}
		if name, ok := codeName("Country", code); ok {
			p.Share = Share{Code: code, Name: name}
		} else if name, ok := codeName("Region", code); ok {
			p.Share, p.region = Share{Vocabulary: "1", Code: code, Name: name}, true
			a.warn(c.Line, el, kindRegion, code, "a region code: counted as the region %s", name)
		} else if byName, ok := codeByName("Country", text); ok && code == "" {
			p.Share = Share{Code: byName}
			p.Name, _ = codeName("Country", byName)
			a.warn(c.Line, el, kindByName, text, "no code: the country %s by its name", byName)
		} else if byName, ok := regionByName(text); ok && code == "" {
			p.Share, p.region = Share{Vocabulary: "1", Code: byName}, true
			p.Name, _ = codeName("Region", byName)
			a.warn(c.Line, el, kindByName, text, "a region's name: counted as the region %s (%s)", byName, p.Name)
		} else {
			a.warn(c.Line, el, kindUnknownCode, firstOf(code, text), "in neither the Country nor the Region code list, by code or name: dropped")
			continue
		}
		ps = append(ps, p)
	}
	for i, r := range regions {
		el := fmt.Sprintf("recipient-region[%d]", i+1)
		voc, code := clean(r.Vocabulary), clean(r.Code)
		if voc == "" {
			voc = "1"
		}
		name, ok := codeName("Region", code)
		if voc == "1" && !ok {
			if code, ok = regionByName(r.english()); !ok || clean(r.Code) != "" {
				a.warn(r.Line, el, kindUnknownCode, firstOf(clean(r.Code), r.english()), "not in the Region code list: dropped")
				continue
			}
			name, _ = codeName("Region", code)
			a.warn(r.Line, el, kindByName, r.english(), "no code: the region %s by its name", code)
		}
		if code == "" {
			a.warn(r.Line, el, kindUnknownCode, r.english(), "no code: dropped")
			continue
		}
		if name == "" {
			name = r.english()
		}
		ps = append(ps, place{Share: Share{Vocabulary: voc, Code: code, Name: name}, region: true, pct: a.percent(r, el), line: r.Line, element: el})
	}
	keep, sum := "", 0
	for _, p := range ps {
		if p.region && (keep == "" || p.Vocabulary == "1") {
			keep = p.Vocabulary
		}
		sum += max(p.pct, 0)
	}
	kept := ps[:0]
	for _, p := range ps {
		if p.region && p.Vocabulary != keep && sum > funding.ShareScale+shareTolerance {
			a.warn(p.line, p.element, kindVocabulary, p.Code, "region vocabulary %s: dropped, the activity's regions are those of vocabulary %s (percentages of two vocabularies are never added)", p.Vocabulary, keep)
			continue
		}
		kept = append(kept, p)
	}
	ps = a.fill(a.merge(kept), "recipient-country and recipient-region")
	for _, p := range ps {
		if p.region {
			a.Regions = append(a.Regions, p.Share)
		} else {
			a.Countries = append(a.Countries, p.Share)
		}
	}
}

// regionByName is the code of the region named name (its code-list name, with or
// without ", regional"), matched on letters only.
func regionByName(name string) (string, bool) {
	want := letters(name)
	if want == "" {
		return "", false
	}
	for code, n := range codelists()["Region"] {
		if letters(n) == want || letters(strings.TrimSuffix(n, ", regional")) == want {
			return code, true
		}
	}
	return "", false
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// readSectors reads the sectors, per vocabulary: a sector's code is its code, else (1.0x)
// its ref; one without either is dropped, the same code twice is merged.
func (a *Activity) readSectors(sectors []xCode) {
	byVoc := map[string][]place{}
	var vocs []string
	for i, s := range sectors {
		el := fmt.Sprintf("sector[%d]", i+1)
		voc := clean(s.Vocabulary)
		if voc == "" {
			voc = "1"
		}
		if c, ok := legacySectorVocabularies[letters(voc)]; ok {
			voc = c
		}
		code := firstOf(clean(s.Code), clean(s.Ref))
		if code == "" {
			a.warn(s.Line, el, kindUnknownCode, s.english(), "a sector has no code: dropped")
			continue
		}
		if utf8.RuneCountInString(code) > funding.MaxCodeLen || utf8.RuneCountInString(voc) > funding.MaxCodeLen {
			a.warn(s.Line, el, kindUnknownCode, code, "a code or vocabulary over %d characters: dropped", funding.MaxCodeLen)
			continue
		}
		name := s.english()
		switch voc {
		case "1":
			if n, ok := codeName("Sector", code); ok {
				name = n
			}
		case "2":
			if n, ok := codeName("SectorCategory", code); ok {
				name = n
			}
		}
		if name == "" {
			name = code
		}
		if utf8.RuneCountInString(name) > funding.MaxThemeLen {
			a.warn(s.Line, el, kindCut, name, "a name over %d characters: cut as a theme", funding.MaxThemeLen)
		}
		if byVoc[voc] == nil {
			vocs = append(vocs, voc)
		}
		byVoc[voc] = append(byVoc[voc], place{Share: Share{Vocabulary: voc, Code: code, Name: name}, pct: a.percent(s, el), line: s.Line, element: el})
	}
	for _, voc := range vocs {
		for _, p := range a.fill(a.merge(byVoc[voc]), "sectors of vocabulary "+voc) {
			a.Sectors = append(a.Sectors, p.Share)
		}
	}
}

// percent reads the percentage of c in hundredths, -1 when it gives none or one that
// cannot be read (with a warning).
func (a *Activity) percent(c xCode, element string) int {
	s := clean(c.Percentage)
	if s == "" {
		return -1
	}
	v, err := parsePercent(s)
	if err != nil {
		a.warn(c.Line, element+"/@percentage", kindUnreadable, s, "not a number from 0 to 100: ignored")
		return -1
	}
	return v
}

// merge merges the places of the same code (and vocabulary, and kind), adding their
// percentages (a percentage left out counts as none given only when all are).
func (a *Activity) merge(ps []place) []place {
	out := ps[:0:0]
	at := map[[3]string]int{}
	for _, p := range ps {
		k := [3]string{fmt.Sprint(p.region), p.Vocabulary, p.Code}
		i, dup := at[k]
		if !dup {
			at[k] = len(out)
			out = append(out, p)
			continue
		}
		a.warn(p.line, p.element, kindMerged, p.Code, "%s is also %s: merged, their percentages added", p.Code, out[i].element)
		if p.pct >= 0 {
			out[i].pct = max(out[i].pct, 0) + p.pct
		}
	}
	return out
}

// shareTolerance is how far (in hundredths of a percent) the percentages of one list may
// add up from 100 and still be taken as rounded: 99.90 to 100.10 is scaled to 100.
const shareTolerance = 10

// fill sets the shares of ps from their percentages: given ones as they are, to the
// hundredth, and the rest of 100 % split evenly among those without one (the first ones
// taking a hundredth more when it does not divide evenly). Percentages within
// shareTolerance of 100 are scaled to exactly 100 by the largest-remainder method;
// percentages adding up to more than that are ignored (shared evenly), with a warning.
func (a *Activity) fill(ps []place, what string) []place {
	if len(ps) == 0 {
		return ps
	}
	sum, missing := 0, 0
	for _, p := range ps {
		if p.pct < 0 {
			missing++
		} else {
			sum += p.pct
		}
	}
	switch {
	case sum > funding.ShareScale+shareTolerance:
		a.warn(ps[0].line, ps[0].element, kindEven, funding.FormatUnits(int64(sum), 2),
			"the percentages of %s add up to %s, more than 100: ignored, shared evenly", what, funding.FormatUnits(int64(sum), 2))
		for i := range ps {
			ps[i].pct = -1
		}
		sum, missing = 0, len(ps)
	case sum != funding.ShareScale && sum >= funding.ShareScale-shareTolerance && (missing == 0 || sum > funding.ShareScale):
		a.warn(ps[0].line, ps[0].element, kindScaled, funding.FormatUnits(int64(sum), 2),
			"the percentages of %s add up to %s: scaled to 100", what, funding.FormatUnits(int64(sum), 2))
		scale(ps, sum)
		return ps
	}
	rest, k := funding.ShareScale-sum, 0
	for i := range ps {
		if ps[i].pct >= 0 {
			ps[i].Share.Share = ps[i].pct
			continue
		}
		ps[i].Share.Share = rest / missing
		if k < rest%missing {
			ps[i].Share.Share++
		}
		k++
	}
	return ps
}

// scale sets the shares of ps to their percentages scaled from sum to 100 % exactly:
// each its whole hundredths, then one more hundredth to each of those with the largest
// remainders (the first in the file on ties) until they add up. Those without a
// percentage get none.
func scale(ps []place, sum int) {
	rest := funding.ShareScale
	rem := make([]int, len(ps))
	for i := range ps {
		ps[i].Share.Share, rem[i] = 0, -1
		if ps[i].pct < 0 {
			continue
		}
		q := ps[i].pct * funding.ShareScale
		ps[i].Share.Share, rem[i] = q/sum, q%sum
		rest -= q / sum
	}
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return rem[y] - rem[x] })
	for _, i := range order[:rest] {
		ps[i].Share.Share++
	}
}

// parsePercent reads a percentage ("25", "33.333") in hundredths, rounding half up.
func parsePercent(s string) (int, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	frac += "000"
	v, err := funding.ParseUnits(whole+"."+frac[:3], 3)
	if err != nil || v < 0 || v > 100000 {
		return 0, fmt.Errorf("percentage %q is not a number from 0 to 100", s)
	}
	return int((v + 5) / 10), nil
}

// readTransaction reads the n-th transaction element: one whose type, value or currency
// cannot be read is left out (with its position and text); a date that cannot be read
// falls back to the value-date (else, once all are read, the activity's start).
func (a *Activity) readTransaction(n int, t xTrans) {
	el := fmt.Sprintf("transaction[%d]", n)
	tr := Transaction{Position: n, Line: t.Line}
	var kind, why string // why it is left out (the first kind, every reason)
	leave := func(k, format string, args ...any) {
		if why == "" {
			kind, why = k, fmt.Sprintf(format, args...)
		} else {
			why += "; " + fmt.Sprintf(format, args...)
		}
	}
	code, text := t.TypeAttr, ""
	if t.Type != nil {
		code, text = t.Type.Code, t.Type.Text
	}
	if clean(code) == "" && clean(text) == "" {
		leave(leftType, "it has no transaction-type")
	} else if tr.Type = resolve("TransactionType", code, text, legacyTransactionTypes); tr.Type == "" {
		leave(leftType, "transaction-type %q is not in the TransactionType code list (nor a 1.0x code or name)", firstOf(clean(code), clean(text)))
	}
	var warnings []Issue
	warn := func(element, kind, raw, format string, args ...any) {
		warnings = append(warnings, Issue{Activity: a.Identifier, Line: t.Line, Element: el + element, Kind: kind, Reason: fmt.Sprintf(format, args...), Raw: raw})
	}
	textDate := ""
	if t.Date != nil {
		if s := clean(t.Date.ISODate); s != "" {
			if d, err := parseYear(s); err != nil {
				warn("/transaction-date", kindUnreadable, s, "%v: the value-date is used instead", err)
			} else {
				tr.Date = d
			}
		} else {
			textDate = clean(t.Date.Text)
		}
	}
	if t.Value == nil {
		leave(leftValue, "it has no value")
	} else {
		v := clean(t.Value.Text)
		cur := strings.ToUpper(clean(t.Value.Currency))
		if cur == "" {
			cur = a.DefaultCurrency
		}
		m, exact, k, err := parseValue(v, cur)
		if err != nil {
			leave(k, "value: %v", err)
		}
		tr.Value, tr.Exact = m, exact
		if s := clean(t.Value.ValueDate); s != "" {
			d, err := parseYear(s)
			switch {
			case err != nil:
				warn("/value", kindUnreadable, s, "value-date: %v: ignored", err)
			case tr.Date.IsZero():
				tr.Date = d
				if textDate != "" {
					warn("/transaction-date", kindDate, textDate, "no iso-date, only text: dated by its value-date %s", d)
				}
			}
		}
	}
	if why != "" {
		raw := fmt.Sprintf("transaction-type %q", firstOf(clean(code), clean(text)))
		if t.Value != nil {
			raw += fmt.Sprintf(", value %q", clean(t.Value.Text))
			if cur := strings.ToUpper(clean(t.Value.Currency)); cur != "" {
				raw += ", currency " + cur
			}
		}
		for _, w := range warnings {
			why += "; " + strings.TrimPrefix(w.Element, el+"/") + ": " + w.Reason
		}
		a.LeftOut = append(a.LeftOut, LeftOutTransaction{Issue: Issue{Activity: a.Identifier, Line: t.Line, Element: el, Kind: kind,
			Reason: why, Raw: shorten(raw, 200)}, Type: tr.Type, Value: tr.Value, Exact: tr.Exact})
		return
	}
	if tr.Exact != "" {
		warn("/value", kindRounded, tr.Exact, "more decimals than %s has: rounded half to even to %s", tr.Value.Currency, tr.Value.Decimal())
	}
	if t.Provider != nil {
		tr.Provider = transactionOrg(t.Provider.xOrg, t.Provider.ProviderActivityID)
	}
	if t.Receiver != nil {
		tr.Receiver = transactionOrg(t.Receiver.xOrg, t.Receiver.ReceiverActivityID)
	}
	tr.FlowType, tr.FinanceType, tr.AidTypes = codeOf(t.FlowType), codeOf(t.FinanceType), aidTypes(t.AidTypes)
	a.Warnings = append(a.Warnings, warnings...)
	a.Transactions = append(a.Transactions, tr)
}

// dateUndated dates the transactions that have no date by the activity's start (see
// start), or, when it has none either, leaves them out.
func (a *Activity) dateUndated() {
	first := start(a)
	kept := a.Transactions[:0]
	for _, t := range a.Transactions {
		if !t.Date.IsZero() {
			kept = append(kept, t)
			continue
		}
		el := fmt.Sprintf("transaction[%d]", t.Position)
		switch {
		case !first.IsZero():
			t.Date = first
			a.warn(t.Line, el, kindDate, "", "no transaction-date nor value-date that can be read: dated by the activity's start %s", first)
		default:
			a.LeftOut = append(a.LeftOut, LeftOutTransaction{Issue: Issue{Activity: a.Identifier, Line: t.Line, Element: el, Kind: leftDate,
				Reason: "it has no transaction-date nor value-date, and the activity no date", Raw: t.Value.Decimal() + " " + t.Value.Currency},
				Type: t.Type, Value: t.Value, Exact: t.Exact})
			continue
		}
		kept = append(kept, t)
	}
	a.Transactions = kept
}

// parseYear reads a date as parseDate does, and refuses one outside the years an
// allocation may have.
func parseYear(s string) (funding.Date, error) {
	d, err := parseDate(s)
	if err == nil && (d.Year() < funding.MinYear || d.Year() > funding.MaxYear) {
		return funding.Date{}, fmt.Errorf("%q is not in the years %d to %d", s, funding.MinYear, funding.MaxYear)
	}
	return d, err
}

// parseValue reads an amount in cur, exactly: "1000", "-250.5", "12.340". A value with
// more decimals than cur has is rounded half to even to its minor unit and also returned
// as written (exact); otherwise exact is "". The kind says what cannot be read.
func parseValue(s, cur string) (m funding.Money, exact, kind string, err error) {
	if cur == "" {
		return funding.Money{}, "", leftCurrency, errors.New("no currency: the value has none and the activity no default-currency")
	}
	if _, ok := codeName("Currency", cur); !ok && !funding.ValidCurrencyCode(cur) {
		return funding.Money{}, "", leftCurrency, fmt.Errorf("currency %q is not in the Currency code list", cur)
	}
	if s == "" {
		return funding.Money{}, "", leftValue, errors.New("empty")
	}
	s = strings.TrimPrefix(s, "+")
	d := funding.MinorDigits(cur)
	if whole, frac, ok := strings.Cut(s, "."); ok {
		frac = strings.TrimRight(frac, "0")
		if frac == "" {
			s = whole
		} else {
			s = whole + "." + frac
		}
		if len(frac) > d {
			units, ok := roundHalfEven(s, d)
			if !ok {
				return funding.Money{}, "", leftValue, fmt.Errorf("%q is not a decimal number (or too large)", s)
			}
			return funding.Money{Units: units, Currency: cur}, s, "", nil
		}
	}
	units, err := funding.ParseUnits(s, d)
	if err != nil {
		return funding.Money{}, "", leftValue, err
	}
	return funding.Money{Units: units, Currency: cur}, "", "", nil
}

// roundHalfEven reads the decimal s ("-12.345") in units of 10^-d, rounded half to even.
func roundHalfEven(s string, d int) (int64, bool) {
	digits := strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(digits, ".")
	if whole == "" || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, false
	}
	x := new(big.Rat).Mul(r, pow10(d))
	q, m := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int)) // truncated toward zero
	m.Abs(m).Lsh(m, 1)
	if c := m.Cmp(x.Denom()); c > 0 || (c == 0 && q.Bit(0) == 1) {
		q.Add(q, big.NewInt(int64(r.Sign())))
	}
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

// pow10 is 10^d as a fraction.
func pow10(d int) *big.Rat {
	return new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil))
}

// parseDate reads an xsd:date ("2012-04-15", also with a time zone or a time, which are
// ignored).
func parseDate(s string) (funding.Date, error) {
	if s == "" {
		return funding.Date{}, errors.New("no date")
	}
	if len(s) > 10 && (s[10] == 'T' || s[10] == 'Z' || s[10] == '+' || s[10] == '-' || s[10] == ' ') {
		s = s[:10]
	}
	d, err := funding.ParseDate(s)
	if err != nil {
		return funding.Date{}, err
	}
	return d, nil
}

// parseDateTime reads an xsd:dateTime ("2014-09-10T07:15:37Z", with or without a zone or
// fraction; a date alone is midnight UTC).
func parseDateTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time", s)
}

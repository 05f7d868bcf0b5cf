package iati

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

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
	ISODate    string `xml:"iso-date,attr"`
}

type xActivity struct {
	LastUpdated     string   `xml:"last-updated-datetime,attr"`
	DefaultCurrency string   `xml:"default-currency,attr"`
	Identifier      string   `xml:"iati-identifier"`
	OtherIDs        []xCode  `xml:"other-identifier"`
	ReportingOrg    xOrg     `xml:"reporting-org"`
	Title           xText    `xml:"title"`
	Descriptions    []xCode  `xml:"description"`
	Orgs            []xOrg   `xml:"participating-org"`
	Status          *xCode   `xml:"activity-status"`
	Dates           []xCode  `xml:"activity-date"`
	Countries       []xCode  `xml:"recipient-country"`
	Regions         []xCode  `xml:"recipient-region"`
	Sectors         []xCode  `xml:"sector"`
	Transactions    []xTrans `xml:"transaction"`
	FlowType        *xCode   `xml:"default-flow-type"`
	FinanceType     *xCode   `xml:"default-finance-type"`
	AidTypes        []xCode  `xml:"default-aid-type"`
}

type xTrans struct {
	Type  *xCode `xml:"transaction-type"`
	Date  *xCode `xml:"transaction-date"`
	Value *struct {
		Text      string `xml:",chardata"`
		Currency  string `xml:"currency,attr"`
		ValueDate string `xml:"value-date,attr"`
	} `xml:"value"`
	Provider    *xTransOrg `xml:"provider-org"`
	Receiver    *xTransOrg `xml:"receiver-org"`
	FlowType    *xCode     `xml:"flow-type"`
	FinanceType *xCode     `xml:"finance-type"`
	AidTypes    []xCode    `xml:"aid-type"`
}

type xTransOrg struct {
	xOrg
	ProviderActivityID string `xml:"provider-activity-id,attr"`
	ReceiverActivityID string `xml:"receiver-activity-id,attr"`
}

// activity resolves x's codes and amounts, noting every problem that keeps it from being
// imported.
func (x *xActivity) activity() *Activity {
	a := &Activity{
		Identifier:      clean(x.Identifier),
		Title:           x.Title.english(),
		DefaultCurrency: strings.ToUpper(clean(x.DefaultCurrency)),
		ReportingOrg:    org(x.ReportingOrg),
	}
	p := func(format string, args ...any) { a.Problems = append(a.Problems, fmt.Sprintf(format, args...)) }
	if a.Identifier == "" {
		// Legacy files name some activities by other-identifier only.
		for _, o := range x.OtherIDs {
			if id := clean(o.Ref); id != "" {
				a.Identifier = id
				break
			}
			if id := clean(o.Text); id != "" {
				a.Identifier = id
				break
			}
		}
	}
	if a.Identifier == "" {
		p("it has no iati-identifier (nor an other-identifier to use instead)")
	}
	if s := clean(x.LastUpdated); s != "" {
		t, err := parseDateTime(s)
		if err != nil {
			p("last-updated-datetime %q is not a date and time", s)
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
	a.readDates(x.Dates, p)
	a.readPlaces(x.Countries, x.Regions, p)
	a.readSectors(x.Sectors, p)
	a.DefaultFlowType, a.DefaultFinanceType, a.DefaultAidTypes = code(x.FlowType), code(x.FinanceType), aidTypes(x.AidTypes)
	for i, t := range x.Transactions {
		a.readTransaction(i+1, t, p)
	}
	return a
}

// code is the code of a flow-type or finance-type ("" if there is none).
func code(c *xCode) string {
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

func (a *Activity) readDates(dates []xCode, p func(string, ...any)) {
	for _, d := range dates {
		s := clean(d.ISODate)
		if s == "" {
			s = clean(d.Text) // 1.0x files sometimes give the date as text
		}
		date, err := parseDate(s)
		if err != nil {
			p("activity-date %q: %v", s, err)
			continue
		}
		typ := clean(d.Type)
		if c, ok := legacyDateTypes[letters(typ)]; ok {
			typ = c
		}
		switch typ {
		case "1":
			a.PlannedStart = date
		case "2":
			a.ActualStart = date
		case "3":
			a.PlannedEnd = date
		case "4":
			a.ActualEnd = date
		}
		a.Dates = append(a.Dates, date)
	}
}

func (a *Activity) readPlaces(countries, regions []xCode, p func(string, ...any)) {
	var places []Share // countries, then regions
	var pct []string
	var region []bool
	add := func(s Share, percentage string, isRegion bool) {
		places, pct, region = append(places, s), append(pct, percentage), append(region, isRegion)
	}
	for _, c := range countries {
		code := strings.ToUpper(clean(c.Code))
		if name, ok := codeName("Country", code); ok {
			add(Share{Code: code, Name: name}, c.Percentage, false)
		} else if name, ok := codeName("Region", code); ok { // a region given as a country
			add(Share{Vocabulary: "1", Code: code, Name: name}, c.Percentage, true)
		} else {
			p("recipient-country %q is in neither the Country nor the Region code list", code)
		}
	}
	for _, r := range regions {
		voc, code := clean(r.Vocabulary), clean(r.Code)
		if voc == "" {
			voc = "1"
		}
		name, ok := codeName("Region", code)
		if voc == "1" && !ok {
			p("recipient-region %q is not in the Region code list", code)
			continue
		}
		if name == "" {
			name = r.english()
		}
		add(Share{Vocabulary: voc, Code: code, Name: name}, r.Percentage, true)
	}
	if err := fillShares(places, pct); err != nil {
		p("recipient-country and recipient-region: %v", err)
		return
	}
	for i, s := range places {
		if region[i] {
			a.Regions = append(a.Regions, s)
		} else {
			a.Countries = append(a.Countries, s)
		}
	}
}

func (a *Activity) readSectors(sectors []xCode, p func(string, ...any)) {
	byVoc := map[string][]int{} // indexes into a.Sectors
	var pct []string
	for _, s := range sectors {
		voc := clean(s.Vocabulary)
		if voc == "" {
			voc = "1"
		}
		if c, ok := legacySectorVocabularies[letters(voc)]; ok {
			voc = c
		}
		code := clean(s.Code)
		if code == "" {
			p("a sector has no code")
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
		byVoc[voc] = append(byVoc[voc], len(a.Sectors))
		a.Sectors = append(a.Sectors, Share{Vocabulary: voc, Code: code, Name: name})
		pct = append(pct, s.Percentage)
	}
	for voc, idx := range byVoc {
		group := make([]Share, len(idx))
		gp := make([]string, len(idx))
		for i, j := range idx {
			group[i], gp[i] = a.Sectors[j], pct[j]
		}
		if err := fillShares(group, gp); err != nil {
			p("sectors of vocabulary %s: %v", voc, err)
			continue
		}
		for i, j := range idx {
			a.Sectors[j] = group[i]
		}
	}
}

// fillShares sets the shares of xs from their percentages (pct[i], "" if not given):
// given ones as they are, to the hundredth; the rest of 100 % split evenly among those
// without one (the first ones taking a hundredth more when it does not divide evenly).
func fillShares(xs []Share, pct []string) error {
	sum, missing := 0, 0
	for i := range xs {
		if strings.TrimSpace(pct[i]) == "" {
			missing++
			continue
		}
		v, err := parsePercent(pct[i])
		if err != nil {
			return err
		}
		xs[i].Share = v
		sum += v
	}
	if sum > funding.ShareScale {
		return fmt.Errorf("the percentages add up to %s, more than 100", funding.FormatUnits(int64(sum), 2))
	}
	if missing == 0 {
		return nil
	}
	rest := funding.ShareScale - sum
	k := 0
	for i := range xs {
		if strings.TrimSpace(pct[i]) != "" {
			continue
		}
		xs[i].Share = rest / missing
		if k < rest%missing {
			xs[i].Share++
		}
		k++
	}
	return nil
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

func (a *Activity) readTransaction(i int, t xTrans, p func(string, ...any)) {
	var tr Transaction
	bad := func(format string, args ...any) { p("transaction %d: "+format, append([]any{i}, args...)...) }
	switch {
	case t.Type == nil:
		bad("it has no transaction-type")
	default:
		tr.Type = resolve("TransactionType", t.Type.Code, t.Type.Text, legacyTransactionTypes)
		if tr.Type == "" {
			bad("transaction-type %q is not in the TransactionType code list (nor a 1.0x code or name)", clean(t.Type.Code))
		}
	}
	if t.Date != nil {
		d, err := parseDate(clean(t.Date.ISODate))
		if err != nil {
			bad("transaction-date: %v", err)
		}
		tr.Date = d
	}
	if t.Value == nil {
		bad("it has no value")
	} else {
		if s := clean(t.Value.ValueDate); s != "" {
			d, err := parseDate(s)
			if err != nil {
				bad("value-date: %v", err)
			} else if tr.Date.IsZero() {
				tr.Date = d
			}
		}
		cur := strings.ToUpper(clean(t.Value.Currency))
		if cur == "" {
			cur = a.DefaultCurrency
		}
		m, err := parseValue(clean(t.Value.Text), cur)
		if err != nil {
			bad("value: %v", err)
		}
		tr.Value = m
	}
	if tr.Date.IsZero() && t.Value != nil && (t.Date == nil || clean(t.Date.ISODate) != "") {
		bad("it has no transaction-date nor value-date")
	}
	if t.Provider != nil {
		tr.Provider = transactionOrg(t.Provider.xOrg, t.Provider.ProviderActivityID)
	}
	if t.Receiver != nil {
		tr.Receiver = transactionOrg(t.Receiver.xOrg, t.Receiver.ReceiverActivityID)
	}
	tr.FlowType, tr.FinanceType, tr.AidTypes = code(t.FlowType), code(t.FinanceType), aidTypes(t.AidTypes)
	a.Transactions = append(a.Transactions, tr)
}

// parseValue reads an amount exactly, in minor units of cur: "1000", "-250.5", "12.340"
// (trailing zeros beyond the currency's minor unit are dropped; other digits there are
// refused rather than rounded).
func parseValue(s, cur string) (funding.Money, error) {
	if cur == "" {
		return funding.Money{}, errors.New("no currency: the value has none and the activity no default-currency")
	}
	if _, ok := codeName("Currency", cur); !ok && !funding.ValidCurrencyCode(cur) {
		return funding.Money{}, fmt.Errorf("currency %q is not in the Currency code list", cur)
	}
	s = strings.TrimPrefix(s, "+")
	if whole, frac, ok := strings.Cut(s, "."); ok {
		frac = strings.TrimRight(frac, "0")
		if frac == "" {
			s = whole
		} else {
			s = whole + "." + frac
		}
	}
	units, err := funding.ParseUnits(s, funding.MinorDigits(cur))
	if err != nil {
		return funding.Money{}, err
	}
	return funding.Money{Units: units, Currency: cur}, nil
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

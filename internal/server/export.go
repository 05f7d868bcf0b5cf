package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/coopgraph/coopgraph/graph"
)

// exportQuery asks the API itself for a report's rows: the CSV export goes through the
// same schema, validation, limits and auth as any client.
const exportQuery = `query($f: AllocationFilter, $t: TransactionType, $cmp: [TransactionType!], $g: [ReportDimension!], $c: String, $n: Int!, $after: String) {
  fundingReport(filter: $f, transactionType: $t, compare: $cmp, groupBy: $g, currency: $c) {
    rows(orderBy: KEYS, first: $n, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { donor { name } agreement { title } trustFund { name } project { code title }
        country { code name } region year theme implementingAgency unallocated
        totals { amount currency } allocationCount share
        byTransactionType { totals { amount currency } } } } } }`

type exportRow struct {
	Donor              *struct{ Name string }
	Agreement          *struct{ Title string }
	TrustFund          *struct{ Name string }
	Project            *struct{ Code, Title string }
	Country            *struct{ Code, Name string }
	Region             *string
	Year               *int
	Theme              *string
	ImplementingAgency *string
	Unallocated        bool
	Totals             []struct{ Amount, Currency string }
	AllocationCount    int
	Share              *float64
	ByTransactionType  []struct {
		Totals []struct{ Amount, Currency string }
	}
}

// exportCSV answers GET /export/funding-report.csv?filter=<AllocationFilter as JSON>&groupBy=COUNTRY,YEAR&currency=USD
// with the report as CSV: a header row, then one row per group and currency, asked for
// pageRows rows at a time.
// transactionType=DISBURSEMENT exports another type than commitments;
// compare=DISBURSEMENT,EXPENDITURE adds a column per compared type (disbursement_total, …)
// with its total in the row's currency beside the report's own.
//
// The export is one request with one deadline (the caller's context): its pages run one
// after the other through api, each a GraphQL request with its own validation, limits and
// cost. A failure on the first page is answered with its distinct errors (no data); one
// after it breaks the download.
func exportCSV(api http.Handler, pageRows int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vars, dims, compared, err := exportVars(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		vars["n"] = pageRows
		var cw *csv.Writer
		for page := 1; ; page++ {
			rows, next, status, errs := exportPage(api, r, vars)
			switch {
			case status != http.StatusOK && page == 1:
				w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
				writeResponse(w, status, requestError{Errors: errs})
				return
			case status != http.StatusOK:
				// The rows sent so far cannot be taken back: break the response, so that
				// the client sees a failed download rather than a short file.
				panic(http.ErrAbortHandler)
			case cw == nil:
				w.Header().Set("Content-Type", "text/csv; charset=utf-8")
				w.Header().Set("Content-Disposition", `attachment; filename="funding-report.csv"`)
				cw = csv.NewWriter(w)
				_ = cw.Write(csvHeader(dims, compared))
			}
			for _, row := range rows {
				for _, c := range rowCurrencies(row) {
					line := append(csvKeys(dims, row), c, amountIn(row.Totals, c), strconv.Itoa(row.AllocationCount), share(row.Share))
					for _, b := range row.ByTransactionType {
						line = append(line, amountIn(b.Totals, c))
					}
					_ = cw.Write(neutralise(line))
				}
			}
			cw.Flush()
			_ = http.NewResponseController(w).Flush() // the client has each page as soon as it is made
			if next == nil {
				return
			}
			vars["after"] = next
		}
	}
}

// exportPage runs one page of the export's query: its rows and the cursor of the next
// page (nil on the last), or a status other than 200 and the errors to pass on.
func exportPage(api http.Handler, r *http.Request, vars map[string]any) ([]exportRow, *string, int, gqlerror.List) {
	if err := r.Context().Err(); err != nil {
		return nil, nil, http.StatusServiceUnavailable, gqlerror.List{graph.ContextError(err)} // out of time, or the client left
	}
	var page struct {
		Data struct {
			FundingReport struct {
				Rows struct {
					PageInfo struct {
						HasNextPage bool
						EndCursor   *string
					}
					Nodes []exportRow
				}
			}
		}
		Errors gqlerror.List
	}
	status, body := runQuery(api, r, exportQuery, vars)
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, nil, http.StatusInternalServerError, gqlerror.List{codedError("INTERNAL_SERVER_ERROR", "internal error")}
	}
	if status != http.StatusOK || len(page.Errors) > 0 {
		errs := distinct(page.Errors)
		if c := onlyCode(errs); c == "TIMEOUT" || c == "UNAVAILABLE" {
			status = http.StatusServiceUnavailable
		}
		return nil, nil, max(status, http.StatusBadRequest), errs
	}
	rows := page.Data.FundingReport.Rows
	if !rows.PageInfo.HasNextPage {
		return rows.Nodes, nil, http.StatusOK, nil
	}
	return rows.Nodes, rows.PageInfo.EndCursor, http.StatusOK, nil
}

// maxExportErrors bounds the errors a failed export answers with: a page of rows that
// ran out of time fails on every row, with the same few errors thousands of times.
const maxExportErrors = 5

// distinct are the first maxExportErrors errors of errs with different codes and
// messages.
func distinct(errs gqlerror.List) gqlerror.List {
	var out gqlerror.List
	for _, e := range errs {
		if len(out) == maxExportErrors {
			break
		}
		if !slices.ContainsFunc(out, func(o *gqlerror.Error) bool {
			return o.Message == e.Message && o.Extensions["code"] == e.Extensions["code"]
		}) {
			out = append(out, &gqlerror.Error{Message: e.Message, Extensions: e.Extensions})
		}
	}
	return out
}

// neutralise keeps a spreadsheet from reading a cell as a formula (OWASP's CSV injection
// rule): a cell that starts with =, +, -, @, a tab or a carriage return gets a leading
// single quote, unless it is a plain number (amounts may be negative, e.g. -250.50), which
// no spreadsheet runs.
func neutralise(line []string) []string {
	for i, c := range line {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) && !plainNumber.MatchString(c) {
			line[i] = "'" + c
		}
	}
	return line
}

// plainNumber is a decimal number with an optional sign, and nothing else.
var plainNumber = regexp.MustCompile(`^[-+]?[0-9]+(\.[0-9]+)?$`)

// exportVars turns the export's URL parameters into the variables of exportQuery, and
// the dimensions of the groups and the compared transaction types.
func exportVars(q url.Values) (vars map[string]any, dims, compared []string, err error) {
	vars = map[string]any{}
	if f := q.Get("filter"); f != "" {
		var filter map[string]any
		if err := json.Unmarshal([]byte(f), &filter); err != nil {
			return nil, nil, nil, fmt.Errorf("filter: not a JSON object: %v", err)
		}
		vars["f"] = filter
	}
	if t := q.Get("transactionType"); t != "" {
		vars["t"] = t
	}
	if c := q.Get("compare"); c != "" {
		compared = strings.Split(c, ",")
		vars["cmp"] = compared
	}
	if g := q.Get("groupBy"); g != "" {
		dims = strings.Split(g, ",")
		vars["g"] = dims
	}
	if c := q.Get("currency"); c != "" {
		vars["c"] = c
	}
	return vars, dims, compared, nil
}

// rowCurrencies are the currencies of a row's totals and, when types are compared, of
// theirs, in order.
func rowCurrencies(r exportRow) []string {
	var cs []string
	for _, t := range r.Totals {
		cs = append(cs, t.Currency)
	}
	for _, b := range r.ByTransactionType {
		for _, t := range b.Totals {
			cs = append(cs, t.Currency)
		}
	}
	slices.Sort(cs)
	return slices.Compact(cs)
}

// amountIn is the amount in currency c among totals, or "0".
func amountIn(totals []struct{ Amount, Currency string }, c string) string {
	for _, t := range totals {
		if t.Currency == c {
			return t.Amount
		}
	}
	return "0"
}

// runQuery executes a GraphQL request through api with the caller's headers (and so
// its API key), and returns the response's status and body.
func runQuery(api http.Handler, r *http.Request, query string, vars map[string]any) (int, []byte) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, "/graphql", bytes.NewReader(body))
	req.RemoteAddr = r.RemoteAddr
	req.Header = r.Header.Clone()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", mediaJSON)
	resp := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
	api.ServeHTTP(resp, req)
	return resp.status, resp.body.Bytes()
}

// bufferedResponse keeps a response in memory (one page of the export's query).
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) WriteHeader(status int)      { b.status = status }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }

func csvHeader(dims, compared []string) []string {
	var h []string
	for _, d := range dims {
		switch d {
		case "DONOR":
			h = append(h, "donor")
		case "AGREEMENT":
			h = append(h, "agreement")
		case "TRUST_FUND":
			h = append(h, "trust_fund")
		case "PROJECT":
			h = append(h, "project_code", "project_title")
		case "COUNTRY":
			h = append(h, "country_code", "country")
		default:
			h = append(h, strings.ToLower(d))
		}
	}
	h = append(h, "currency", "total", "allocation_count", "share_percent")
	for _, t := range compared {
		h = append(h, strings.ToLower(t)+"_total")
	}
	return h
}

func csvKeys(dims []string, r exportRow) []string {
	var out []string
	text := func(p *string) string {
		if p == nil {
			return "(unallocated)"
		}
		return *p
	}
	for _, d := range dims {
		switch d {
		case "DONOR":
			out = append(out, name(r.Donor, func(x *struct{ Name string }) string { return x.Name }))
		case "AGREEMENT":
			out = append(out, name(r.Agreement, func(x *struct{ Title string }) string { return x.Title }))
		case "TRUST_FUND":
			out = append(out, name(r.TrustFund, func(x *struct{ Name string }) string { return x.Name }))
		case "PROJECT":
			out = append(out, name(r.Project, func(x *struct{ Code, Title string }) string { return x.Code }),
				name(r.Project, func(x *struct{ Code, Title string }) string { return x.Title }))
		case "COUNTRY":
			out = append(out, name(r.Country, func(x *struct{ Code, Name string }) string { return x.Code }),
				name(r.Country, func(x *struct{ Code, Name string }) string { return x.Name }))
		case "YEAR":
			y := "(unallocated)"
			if r.Year != nil {
				y = strconv.Itoa(*r.Year)
			}
			out = append(out, y)
		case "REGION":
			out = append(out, text(r.Region))
		case "THEME":
			out = append(out, text(r.Theme))
		default:
			out = append(out, text(r.ImplementingAgency))
		}
	}
	return out
}

func name[T any](v *T, f func(*T) string) string {
	if v == nil {
		return "(unallocated)"
	}
	return f(v)
}

func share(p *float64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("%.2f", *p)
}

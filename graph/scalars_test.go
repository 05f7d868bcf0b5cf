package graph

import (
	"bytes"
	"testing"

	"github.com/coopgraph/coopgraph/internal/funding"
)

func TestDateScalar(t *testing.T) {
	d, err := UnmarshalDate("2016-03-07")
	if err != nil || d != funding.MustDate("2016-03-07") {
		t.Fatalf("UnmarshalDate = %v, %v", d, err)
	}
	var buf bytes.Buffer
	MarshalDate(d).MarshalGQL(&buf)
	if buf.String() != `"2016-03-07"` {
		t.Errorf("MarshalDate = %s", buf.String())
	}
	buf.Reset()
	MarshalDate(funding.Date{}).MarshalGQL(&buf)
	if buf.String() != "null" {
		t.Errorf("MarshalDate(unset) = %s, want null", buf.String())
	}
	for _, bad := range []any{"2016-3-7", 20160307, nil} {
		_, err := UnmarshalDate(bad)
		if funding.ErrorCode(err) != funding.EINVALID {
			t.Errorf("UnmarshalDate(%v) error = %v, want an INVALID error", bad, err)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	order := []*funding.ProjectOrder{{Field: "STARTS_ON", Direction: funding.DESC}}
	c := encodeCursor("STARTS_ON:DESC", funding.Keyset{Values: []any{"2018-05-01"}, ID: "p-1"})
	first := 10
	l, err := listArgs((*funding.ProjectFilter)(nil), order, &first, &c, nil, nil)
	if err != nil || l.page.After == nil || l.page.After.ID != "p-1" || l.page.After.Values[0] != "2018-05-01" || l.page.Limit != 10 {
		t.Fatalf("listArgs = %+v, %v", l, err)
	}
	// The same cursor with another ordering, or edited, is refused.
	if _, err := listArgs((*funding.ProjectFilter)(nil), []*funding.ProjectOrder(nil), &first, &c, nil, nil); funding.ErrorCode(err) != funding.EINVALID {
		t.Errorf("cursor of another ordering: %v", err)
	}
	edited := c[:len(c)-2] + "AA"
	if _, err := listArgs((*funding.ProjectFilter)(nil), order, &first, &edited, nil, nil); funding.ErrorCode(err) != funding.EINVALID {
		t.Errorf("edited cursor: %v", err)
	}
}

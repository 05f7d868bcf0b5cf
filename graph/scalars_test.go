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

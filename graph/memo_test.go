package graph

import (
	"encoding"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/coopgraph/coopgraph/internal/report"
)

// TestMemoKeysAreWhole: the memo's key of a query is its JSON, so every field of the
// queries it keeps must reach the JSON. A struct with an unexported field and no
// marshaller of its own would lose it, and two different reports would share a key.
func TestMemoKeysAreWhole(t *testing.T) {
	marshals := func(rt reflect.Type) bool {
		for _, i := range []reflect.Type{reflect.TypeFor[json.Marshaler](), reflect.TypeFor[encoding.TextMarshaler]()} {
			if rt.Implements(i) || reflect.PointerTo(rt).Implements(i) {
				return true
			}
		}
		return false
	}
	seen := map[reflect.Type]bool{}
	var check func(rt reflect.Type, path string)
	check = func(rt reflect.Type, path string) {
		if seen[rt] {
			return
		}
		seen[rt] = true
		switch rt.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			check(rt.Elem(), path+"[]")
		case reflect.Map:
			check(rt.Key(), path+"{key}")
			check(rt.Elem(), path+"{}")
		case reflect.Struct:
			if marshals(rt) {
				return
			}
			for i := range rt.NumField() {
				f := rt.Field(i)
				if !f.IsExported() {
					t.Errorf("%s.%s (%s) is unexported: the memo's key would not tell queries apart by it", path, f.Name, rt)
				}
				if f.Tag.Get("json") == "-" {
					t.Errorf("%s.%s is left out of JSON", path, f.Name)
				}
				check(f.Type, path+"."+f.Name)
			}
		case reflect.Interface, reflect.Func, reflect.Chan:
			t.Errorf("%s is a %s", path, rt.Kind())
		}
	}
	check(reflect.TypeFor[report.Query](), "Query")
	check(reflect.TypeFor[report.SeriesQuery](), "SeriesQuery")
	check(reflect.TypeFor[report.FlowQuery](), "FlowQuery")
}

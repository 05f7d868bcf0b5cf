package server_test

import (
	"strings"
	"testing"
)

// TestEverythingDescribed: the playground's docs are the manual, so every type, field,
// argument and enum value of the schema has a description.
func TestEverythingDescribed(t *testing.T) {
	a := newAPI(t, nil)
	type named struct{ Name, Description string }
	var got struct {
		Schema struct {
			Types []struct {
				Kind, Name, Description string
				Fields                  []struct {
					Name, Description string
					Args              []named
				}
				InputFields []named
				EnumValues  []named
			}
		} `json:"__schema"`
	}
	a.query(t, `{ __schema { types { kind name description
		fields { name description args { name description } }
		inputFields { name description } enumValues { name description } } } }`, nil, &got)
	builtin := map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}
	n := 0
	for _, ty := range got.Schema.Types {
		if strings.HasPrefix(ty.Name, "__") || builtin[ty.Name] {
			continue
		}
		n++
		if ty.Description == "" {
			t.Errorf("type %s has no description", ty.Name)
		}
		for _, f := range ty.Fields {
			if f.Description == "" {
				t.Errorf("field %s.%s has no description", ty.Name, f.Name)
			}
			for _, arg := range f.Args {
				if arg.Description == "" {
					t.Errorf("argument %s.%s(%s) has no description", ty.Name, f.Name, arg.Name)
				}
			}
		}
		for _, f := range append(ty.InputFields, ty.EnumValues...) {
			if f.Description == "" {
				t.Errorf("%s.%s has no description", ty.Name, f.Name)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d schema types checked", n)
	}
}

package iati

import (
	"embed"
	"encoding/xml"
	"fmt"
	"strings"
	"sync"
)

// The IATI code lists the importer reads (see codelists/README.md for their source and
// licence). Withdrawn items are kept: older data uses them.
//
//go:embed codelists/*.xml
var codelistFiles embed.FS

// codelist maps each code of one IATI code list to its English name.
type codelist map[string]string

// Code lists by name ("Sector", "TransactionType"…), read from the embedded files once.
var codelists = sync.OnceValue(func() map[string]codelist {
	entries, err := codelistFiles.ReadDir("codelists")
	if err != nil {
		panic(err)
	}
	out := map[string]codelist{}
	for _, e := range entries {
		b, err := codelistFiles.ReadFile("codelists/" + e.Name())
		if err != nil {
			panic(err)
		}
		var f struct {
			Name  string `xml:"name,attr"`
			Items []struct {
				Code  string  `xml:"code"`
				Names []xText `xml:"name"`
			} `xml:"codelist-items>codelist-item"`
		}
		if err := xml.Unmarshal(b, &f); err != nil {
			panic(fmt.Sprintf("code list %s: %v", e.Name(), err))
		}
		l := codelist{}
		for _, it := range f.Items {
			name := ""
			if len(it.Names) > 0 {
				name = it.Names[0].english()
			}
			l[strings.TrimSpace(it.Code)] = name
		}
		out[f.Name] = l
	}
	return out
})

// codeName returns the English name of code in the code list list, and whether the list
// has the code.
func codeName(list, code string) (string, bool) {
	name, ok := codelists()[list][code]
	return name, ok
}

// codeByName finds the code of list whose name, normalised (lower case, letters only),
// is name's. Legacy (1.0x) files give names where 2.0x gives codes.
func codeByName(list, name string) (string, bool) {
	want := letters(name)
	if want == "" {
		return "", false
	}
	for code, n := range codelists()[list] {
		if letters(n) == want {
			return code, true
		}
	}
	return "", false
}

// letters is s in lower case with everything but letters removed: "Outgoing Commitment"
// and "outgoing-commitment" both give "outgoingcommitment".
func letters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CodeName returns the English name of code in the IATI code list list ("AidType",
// "OrganisationType"…), or "" when the importer does not carry the list or the code is
// not in it.
func CodeName(list, code string) string {
	name, _ := codeName(list, code)
	return name
}

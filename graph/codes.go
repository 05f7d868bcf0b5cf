package graph

import (
	"github.com/coopgraph/coopgraph/internal/funding"
	"github.com/coopgraph/coopgraph/internal/iati"
)

// The names of the IATI codes that classify allocations come from the code lists the
// importer carries (internal/iati/codelists, read once); a list it does not carry (FlowType,
// FinanceType) or a code not in it gives null.

// codeName is the English name of code in the IATI code list list; nil when there is none.
func codeName(list, code string) *string { return nullable(iati.CodeName(list, code)) }

// transactionCode is an allocation's flow or finance type with its name in list; nil when
// it has none.
func transactionCode(list string, c *funding.IATICode) *TransactionCode {
	if c == nil {
		return nil
	}
	return &TransactionCode{Code: c.Code, Name: codeName(list, c.Code), FromDefault: c.FromDefault}
}

// aidTypeName is the name of an aid type of vocabulary 1 (the OECD DAC aid types, IATI's
// AidType list); nil for the other vocabularies, whose lists are not carried.
func aidTypeName(t *funding.AidType) *string {
	if t.Vocabulary != "1" {
		return nil
	}
	return codeName("AidType", t.Code)
}

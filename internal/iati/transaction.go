package iati

import (
	"slices"

	"github.com/coopgraph/coopgraph/internal/funding"
)

// followMoney gives al what following the money needs from the transaction t of a: its
// provider and receiver organisations, and its flow, finance and aid types. Each type the
// transaction does not give is the activity's default (default-flow-type,
// default-finance-type; default-aid-type per vocabulary: a default of a vocabulary the
// transaction gives no aid-type of), marked FromDefault.
func followMoney(al *funding.Allocation, a *Activity, t Transaction) {
	al.Provider, al.Receiver = transactionOrgOf(t.Provider), transactionOrgOf(t.Receiver)
	al.FlowType = iatiCode(t.FlowType, a.DefaultFlowType)
	al.FinanceType = iatiCode(t.FinanceType, a.DefaultFinanceType)
	al.AidTypes = slices.Clone(t.AidTypes)
	for _, d := range a.DefaultAidTypes {
		if !slices.ContainsFunc(t.AidTypes, func(x funding.AidType) bool { return x.Vocabulary == d.Vocabulary }) {
			d.FromDefault = true
			al.AidTypes = append(al.AidTypes, d)
		}
	}
}

// transactionOrgOf is o as an allocation's provider or receiver; nil when the transaction
// names none.
func transactionOrgOf(o Org) *funding.TransactionOrg {
	if o.Ref == "" && o.Name == "" && o.ActivityID == "" {
		return nil
	}
	return &funding.TransactionOrg{Ref: o.Ref, Name: shorten(o.Name, funding.MaxNameLen), Type: o.Type, ActivityID: o.ActivityID}
}

// iatiCode is the transaction's code, else the activity's default, else nil.
func iatiCode(code, def string) *funding.IATICode {
	switch {
	case code != "":
		return &funding.IATICode{Code: code}
	case def != "":
		return &funding.IATICode{Code: def, FromDefault: true}
	}
	return nil
}

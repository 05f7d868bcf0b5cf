package funding

import "strconv"

// Allocation is an amount of money that moves between a trust fund and a project: an IATI
// transaction of one type (a commitment, a disbursement, an expenditure, …), for one year.
type Allocation struct {
	Meta
	ID                 string
	TrustFundID        string
	ProjectID          string
	Type               TransactionType // COMMITMENT when not set (the demo data's allocations are commitments)
	Year               int
	Date               Date // the transaction date; zero when unknown; when set, Year is its year
	Amount             Money
	ImplementingAgency string // e.g. "ILO" or "ITCILO"
	ApprovedOn         Date
	Illustrative       bool   // true when the amount is invented for the demo, not published
	Source             string // where a published figure comes from
	// What following the money needs, as an IATI transaction gives it (nil or empty when
	// not known, as in the demo data):
	Provider    *TransactionOrg // the organisation the money comes from (provider-org)
	Receiver    *TransactionOrg // the organisation the money goes to (receiver-org)
	FlowType    *IATICode       // FlowType code, e.g. "10" ODA
	FinanceType *IATICode       // FinanceType code, e.g. "110" standard grant
	AidTypes    []AidType       // AidType codes, one or more per vocabulary
}

// TransactionOrg is an organisation a transaction names as where its money comes from or
// goes to. Any of its fields may be empty.
type TransactionOrg struct {
	Ref        string // its IATI organisation identifier, e.g. "XM-DAC-41114"
	Name       string
	Type       string // its OrganisationType code, e.g. "10" government
	ActivityID string // the IATI identifier of its own activity this money belongs to
}

// IATICode is a code of an IATI code list that classifies a transaction, and whether it
// is the activity's default (the transaction giving none of its own).
type IATICode struct {
	Code        string
	FromDefault bool
}

// AidType is a code of an IATI aid type vocabulary (AidTypeVocabulary: "1" the OECD DAC
// aid types, "2" earmarking categories, …) that classifies a transaction, and whether it
// is the activity's default.
type AidType struct {
	Vocabulary  string
	Code        string
	FromDefault bool
}

// TransactionType is the kind of money an allocation records, after the IATI
// TransactionType code list (codes 1 to 13). Reports add up one type at a time: a
// commitment and the disbursement that pays it are never added together.
type TransactionType string

// The transaction types, with their IATI codes.
const (
	IncomingFunds      TransactionType = "INCOMING_FUNDS"      // 1
	Commitment         TransactionType = "COMMITMENT"          // 2
	Disbursement       TransactionType = "DISBURSEMENT"        // 3
	Expenditure        TransactionType = "EXPENDITURE"         // 4
	InterestPayment    TransactionType = "INTEREST_PAYMENT"    // 5
	LoanRepayment      TransactionType = "LOAN_REPAYMENT"      // 6
	Reimbursement      TransactionType = "REIMBURSEMENT"       // 7
	PurchaseOfEquity   TransactionType = "PURCHASE_OF_EQUITY"  // 8
	SaleOfEquity       TransactionType = "SALE_OF_EQUITY"      // 9
	CreditGuarantee    TransactionType = "CREDIT_GUARANTEE"    // 10
	IncomingCommitment TransactionType = "INCOMING_COMMITMENT" // 11
	OutgoingPledge     TransactionType = "OUTGOING_PLEDGE"     // 12
	IncomingPledge     TransactionType = "INCOMING_PLEDGE"     // 13
)

// TransactionTypes lists the transaction types in the order of their IATI codes (the
// type of code n is TransactionTypes[n-1]).
var TransactionTypes = []TransactionType{
	IncomingFunds, Commitment, Disbursement, Expenditure, InterestPayment, LoanRepayment,
	Reimbursement, PurchaseOfEquity, SaleOfEquity, CreditGuarantee, IncomingCommitment,
	OutgoingPledge, IncomingPledge,
}

// Valid reports whether t is one of the declared transaction types.
func (t TransactionType) Valid() bool { return t.Code() != 0 }

// Code returns t's IATI TransactionType code (1 to 13), or 0 if t is not a type.
func (t TransactionType) Code() int {
	for i, x := range TransactionTypes {
		if x == t {
			return i + 1
		}
	}
	return 0
}

// TransactionTypeOfCode returns the type of an IATI TransactionType code ("1" to "13"),
// and false for any other text.
func TransactionTypeOfCode(code string) (TransactionType, bool) {
	n, err := strconv.Atoi(code)
	if err != nil || n < 1 || n > len(TransactionTypes) {
		return "", false
	}
	return TransactionTypes[n-1], true
}

// TypeOrCommitment returns t, or Commitment if t is unset.
func (t TransactionType) TypeOrCommitment() TransactionType {
	if t == "" {
		return Commitment
	}
	return t
}

// Package funding holds coopgraph's domain: who funds development work and how the money
// flows, from Donor through Agreement, TrustFund and Allocation to Project and Country.
// It depends on the standard library only.
package funding

import (
	"errors"
	"fmt"
	"slices"
)

// Error codes. The GraphQL layer maps each to an extensions.code.
const (
	EINVALID         = "INVALID"
	ENOTFOUND        = "NOT_FOUND"
	ECONFLICT        = "CONFLICT"
	EUNAUTHENTICATED = "UNAUTHENTICATED"
	EFORBIDDEN       = "FORBIDDEN"
	EUNAVAILABLE     = "UNAVAILABLE"
	EINTERNAL        = "INTERNAL"
)

// Error is a domain error with a code, a message safe to show to API users and, for
// invalid input, the path of the input field at fault (e.g. "after" or "input.amount").
// An EINVALID error about several fields lists them all in Problems; Field and Message are
// then those of the first problem, the message ending in "(and N more)".
type Error struct {
	Code     string
	Field    string
	Message  string
	Problems []Problem // every problem of the input, when there are several; else nil
	Current  int       // for an ECONFLICT of versions: the version stored now
	// Err is the cause, for the server's log (e.g. the driver's error behind an
	// EUNAVAILABLE); it is never shown to API users. Unwrap returns it.
	Err error
}

// Problem is one thing wrong with an input: the path of the field at fault (e.g.
// "input.countries[1].share") and what is wrong with it.
type Problem struct {
	Field   string
	Message string
}

// Problems collects the problems of an input, so that all of them are reported at once.
// The zero value is empty and ready to use.
type Problems []Problem

// Add records a problem with field.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// AddError records the problems err carries: those of an *Error's Problems, or its one Field
// and Message. Any other non-nil error becomes a problem without a field; nil adds nothing.
func (p *Problems) AddError(err error) {
	var e *Error
	switch {
	case err == nil:
	case errors.As(err, &e) && len(e.Problems) > 0:
		*p = append(*p, e.Problems...)
	case e != nil:
		*p = append(*p, Problem{Field: e.Field, Message: e.Message})
	default:
		*p = append(*p, Problem{Message: err.Error()})
	}
}

// Err returns nil if there are no problems, and otherwise an EINVALID *Error naming the
// first problem and carrying all of them.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	msg := p[0].Message
	if n := len(p) - 1; n == 1 {
		msg += " (and 1 more problem)"
	} else if n > 1 {
		msg += fmt.Sprintf(" (and %d more problems)", n)
	}
	return &Error{Code: EINVALID, Field: p[0].Field, Message: msg, Problems: slices.Clone(p)}
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming the input field at fault.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and EINTERNAL otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

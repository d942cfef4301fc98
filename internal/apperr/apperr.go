// Package apperr is abri's one error type. An error carries a code that maps to
// an HTTP status, and a message key from the translation catalogue that is safe
// to show to a person. The wrapped cause stays for the logs only.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for people and for HTTP.
type Code string

const (
	Invalid      Code = "invalid"      // bad input: 400 or 422
	NotFound     Code = "not_found"    // missing, or another organisation's: 404
	Unauthorized Code = "unauthorized" // no valid session or token: 401
	Forbidden    Code = "forbidden"    // the role may not do this here: 403
	Conflict     Code = "conflict"     // someone else changed it first: 409
	TooMany      Code = "too_many"     // throttled: 429
	TooLarge     Code = "too_large"    // request body over the limit: 413
	// MethodNotAllowed: a known address asked with a method it does not
	// answer: 405.
	MethodNotAllowed Code = "method_not_allowed"
	// Unavailable: the disk is full or the database is unreachable: 503,
	// logged.
	Unavailable Code = "unavailable"
	Internal    Code = "internal" // a bug or an outage: 500, logged
)

// Error is an application error. Key names a message in the translation
// catalogue; Args fill its placeholders.
type Error struct {
	Code Code
	Key  string
	Args []any
	// Field names the input the error is about ("location", "created_from"),
	// so a form can show the message at that field and an API client can
	// tell which parameter to fix; "" when it concerns no one field.
	Field string
	Err   error // internal cause, never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Key, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Key)
}

func (e *Error) Unwrap() error { return e.Err }

// New makes an error with a message key and its arguments.
func New(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Wrap keeps an internal cause behind a safe message.
func Wrap(err error, code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args, Err: err}
}

// At returns a copy of e about the named input field.
func (e *Error) At(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

// FieldOf returns the field of the first *Error in err's chain that names
// one, or "".
func FieldOf(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return ""
		}
		if e.Field != "" {
			return e.Field
		}
		err = e.Err
	}
	return ""
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code { return As(err).Code }

// A Classifier recognises a cause that has a meaning for people although no
// domain package wrapped it: a full disk or an unreachable database can
// strike any statement, so the package that knows those errors (internal/db)
// registers one, and every answer, HTML or JSON, gets the same code. It
// returns nil for an error it does not know.
type Classifier func(error) *Error

var classifiers []Classifier

// RegisterClassifier adds a classifier; call it from an init function only.
func RegisterClassifier(c Classifier) { classifiers = append(classifiers, c) }

// As returns the first *Error in err's chain, else what a registered
// classifier makes of err, else a generic internal error.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if err != nil {
		for _, c := range classifiers {
			if e := c(err); e != nil {
				return e
			}
		}
	}
	return &Error{Code: Internal, Key: "error.internal", Err: err}
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// Status maps a code to its HTTP status.
func Status(code Code) int {
	switch code {
	case Invalid:
		return 400
	case NotFound:
		return 404
	case Unauthorized:
		return 401
	case Forbidden:
		return 403
	case Conflict:
		return 409
	case TooMany:
		return 429
	case TooLarge:
		return 413
	case MethodNotAllowed:
		return 405
	case Unavailable:
		return 503
	default:
		return 500
	}
}

// ErrNotFound is the common "no such thing" error. Another organisation's
// object gives the same error, so existence never leaks.
func ErrNotFound() *Error { return New(NotFound, "error.not_found") }

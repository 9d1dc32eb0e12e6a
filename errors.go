package motcua

import (
	"errors"
	"fmt"
)

// Error codes: what went wrong, as a caller acts on it. The HTTP API
// answers each with its own status (package wire); the dossier
// workflows refuse an update with an application error of the same type.
const (
	CodeInvalidRequest   = "invalid_request"
	CodeUnknownProcedure = "unknown_procedure"
	CodeUnauthenticated  = "unauthenticated"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeInvalidState     = "invalid_state"
	CodeTooLarge         = "too_large"
	// CodeSigningFailed: the signature cannot be made for a reason a retry
	// will not fix (a bad remote signature, an expired or revoked
	// certificate, no key for the user); the reason is also a step.
	CodeSigningFailed = "signing_failed"
	// CodeRateLimited: too many failed sign-ins from one client; wait.
	CodeRateLimited = "rate_limited"
	CodeUnavailable = "unavailable"
)

// KnownCode reports whether code is one of the error codes above.
func KnownCode(code string) bool {
	switch code {
	case CodeInvalidRequest, CodeUnknownProcedure, CodeUnauthenticated, CodeForbidden, CodeNotFound,
		CodeInvalidState, CodeTooLarge, CodeSigningFailed, CodeRateLimited, CodeUnavailable:
		return true
	}
	return false
}

// Error is a domain error a caller can act on: a code from the list above, a
// message for people, and the input fields at fault.
type Error struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Code + ": " + e.Message
	}
	return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
}

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or "" when
// there is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

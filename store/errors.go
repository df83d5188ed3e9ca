package store

import (
	"errors"
	"fmt"
)

// Kind classifies errors so that callers map them to answers in one place.
type Kind string

// The error kinds.
const (
	KindInvalid  Kind = "invalid"
	KindNotFound Kind = "not_found"
	KindGone     Kind = "gone"
	KindConflict Kind = "conflict"
	KindInternal Kind = "internal"
)

// Error is an error with a kind and a sentence safe to show to users.
type Error struct {
	Kind    Kind
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err, KindInternal for errors without one.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// MessageOf returns the user-safe sentence of err.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side."
}

// IsNotFound reports whether err says that a thing does not exist.
func IsNotFound(err error) bool { return KindOf(err) == KindNotFound }

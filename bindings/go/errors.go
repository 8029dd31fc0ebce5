package gemmakit

/*
#include "gemmakit.h"
*/
import "C"

import "fmt"

// Error is a failed gemmakit call: the GEMMAKIT_ERR_* status and the library's message.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("gemmakit: %s (%s)", e.Message, C.GoString(C.gemmakit_status_string(C.int32_t(e.Status))))
}

// Is makes errors.Is(err, gemmakit.ErrContextFull) and the like compare statuses only.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Status == e.Status
}

// Sentinels for errors.Is.
var (
	ErrInvalidArgument = &Error{Status: -1}
	ErrIO              = &Error{Status: -2}
	ErrFormat          = &Error{Status: -3}
	ErrUnsupported     = &Error{Status: -4}
	ErrContextFull     = &Error{Status: -5}
	ErrCancelled       = &Error{Status: -6}
)

// check turns a status into an error carrying gemmakit_last_error(). Call it on the goroutine's
// thread right after the C call: cgo calls run on the calling OS thread, and the message is
// thread-local there.
func check(status C.gemmakit_status) error {
	if status == C.GEMMAKIT_OK {
		return nil
	}
	return &Error{Status: int(status), Message: C.GoString(C.gemmakit_last_error())}
}

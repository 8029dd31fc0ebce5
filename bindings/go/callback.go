package gemmakit

/*
#include <stdint.h>
#include <stddef.h>
*/
import "C"

import "runtime/cgo"

// gkForwardText hands a piece of text from the C library to the Go function behind handle
// (ChatParts' onText); a nil function takes everything. Returning non-zero asks C to stop.
//
//export gkForwardText
func gkForwardText(handle C.uintptr_t, text *C.char, n C.size_t) C.int32_t {
	fn, _ := cgo.Handle(handle).Value().(func(string) bool)
	if fn == nil || fn(C.GoStringN(text, C.int(n))) {
		return 0
	}
	return 1
}

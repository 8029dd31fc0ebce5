package gemmakit

/*
#include <stdint.h>
#include <stddef.h>
*/
import "C"

import "runtime/cgo"

// textSink is what a ChatParts handle refers to: the caller's function, and a panic it raised,
// re-raised once the C call has returned (a panic must not unwind through the C++ library).
type textSink struct {
	fn       func(string) bool
	panicked interface{}
}

// gkForwardText hands a piece of text from the C library to the sink behind handle; a nil
// function takes everything. Returning non-zero asks C to stop.
//
//export gkForwardText
func gkForwardText(handle C.uintptr_t, text *C.char, n C.size_t) (stop C.int32_t) {
	sink := cgo.Handle(handle).Value().(*textSink)
	if sink.fn == nil || sink.panicked != nil {
		return 0
	}
	defer func() {
		if r := recover(); r != nil {
			sink.panicked, stop = r, 1
		}
	}()
	if sink.fn(C.GoStringN(text, C.int(n))) {
		return 0
	}
	return 1
}

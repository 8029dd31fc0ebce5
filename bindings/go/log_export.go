package gemmakit

/*
#include <stdint.h>
*/
import "C"

// gkForwardLog hands one of the library's messages to the Go sink; a panic in the sink is
// dropped (it must not unwind through the C++ library).
//
//export gkForwardLog
func gkForwardLog(level C.int32_t, message *C.char) {
	logMu.RLock()
	sink := logSink
	logMu.RUnlock()
	if sink == nil {
		return
	}
	defer func() { _ = recover() }()
	sink(LogLevel(level), C.GoString(message))
}

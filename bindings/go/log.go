package gemmakit

// The library's diagnostics, routed to a Go function (process-wide).

/*
#include <stdint.h>
#include "gemmakit.h"
// Defined in log_export.go (//export).
extern void gkForwardLog(int32_t level, char* message);

static void gk_log(int32_t level, const char* message, void* user) {
  (void)user;
  gkForwardLog(level, (char*)message);
}

static gemmakit_status gk_set_log(int on, int32_t min_level) {
  return gemmakit_set_log_callback(on ? gk_log : NULL, min_level, NULL);
}
*/
import "C"

import (
	"runtime"
	"sync"
)

// LogLevel of a diagnostic.
type LogLevel int32

const (
	LogDebug   LogLevel = C.GEMMAKIT_LOG_DEBUG
	LogInfo    LogLevel = C.GEMMAKIT_LOG_INFO
	LogWarning LogLevel = C.GEMMAKIT_LOG_WARNING
	LogError   LogLevel = C.GEMMAKIT_LOG_ERROR
)

var (
	logMu   sync.RWMutex
	logSink func(LogLevel, string)
)

// SetLogCallback routes the library's diagnostics from minLevel up to fn, which runs on the
// goroutine of the call that logged and must not call SetLogCallback; nil silences them (the
// default).
func SetLogCallback(fn func(level LogLevel, message string), minLevel LogLevel) error {
	logMu.Lock()
	logSink = fn
	logMu.Unlock()
	on := C.int(0)
	if fn != nil {
		on = 1
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return check(C.gk_set_log(on, C.int32_t(minLevel)))
}

//go:build unix

package stock_test

import (
	"syscall"
	"time"
)

// cpuTime is the processor time this process has used, user and system, so
// that a benchmark on a busy machine can show what a call costs apart from
// the time it waited for a processor.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Command abri is aid-operations software for grassroots groups that support
// people living rough: one binary that serves the screens and the API, runs a
// demo, migrates, manages users and verifies the ledger.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"abri/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

package cli

import (
	"fmt"

	"abri/internal/people"
)

// purge erases the free-shop cards past their base's retention, with their
// personal fields, and the access log entries as old, then scrubs the
// database files (docs/data-protection.md). serve does the same daily.
func (e *env) purge(args []string) error {
	fs, s := e.storeFlagSet("purge", "purge [--data DIR] [--db DSN]")
	d, err := e.parseAndOpen(fs, s, args)
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := people.Purge(e.ctx, d, d.Clock.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "erased %d expired cards and %d access log entries\n", res.Cards, res.AccessLog)
	return nil
}

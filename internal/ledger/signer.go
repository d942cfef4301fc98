package ledger

import (
	"context"
	"log/slog"
	"time"

	"abri/internal/db"
)

// CheckpointEvery is how often a running server signs the chain heads that
// moved.
const CheckpointEvery = time.Hour

// Signer signs the chain heads of a running server: at start, then every
// Every, each head that moved since its key last signed it (SignHeads). The
// time in each checkpoint is the database's clock.
type Signer struct {
	DB  *db.DB
	Key *Key
	// Dir is the data directory, where CheckpointFile is kept; "" for none.
	Dir string
	// Every is the interval; 0 means CheckpointEvery.
	Every time.Duration
	// Ticks, when set, replaces the ticker of Every (tests send on it).
	Ticks <-chan time.Time
	Log   *slog.Logger
}

// SignNow signs every head that moved and returns how many it signed.
func (s *Signer) SignNow(ctx context.Context) (int, error) {
	_, n, err := SignHeads(ctx, s.DB, s.Key, s.Dir)
	return n, err
}

// Run signs now and then at every tick until ctx ends. A failure (the
// database unreachable, the disk full) is logged and tried again at the
// next tick.
func (s *Signer) Run(ctx context.Context) {
	ticks := s.Ticks
	if ticks == nil {
		every := s.Every
		if every <= 0 {
			every = CheckpointEvery
		}
		t := time.NewTicker(every)
		defer t.Stop()
		ticks = t.C
	}
	for {
		s.sign(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
	}
}

func (s *Signer) sign(ctx context.Context) {
	n, err := s.SignNow(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log().Error("sign ledger checkpoints", "err", err.Error())
	case n > 0:
		s.log().Info("signed ledger checkpoints", "chains", n, "key", s.Key.Public().ID)
	}
}

func (s *Signer) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

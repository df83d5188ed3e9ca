package ops

import (
	"context"
	"log/slog"
	"time"

	"smsinbox/store"
)

// Retention defaults.
const (
	DefaultRetention      = 30 * 24 * time.Hour
	DefaultRetentionEvery = time.Hour
	DefaultRetentionBatch = 500
	// retentionPause is the rest between two batches, so that ingest gets
	// the writer between them.
	retentionPause = 20 * time.Millisecond
)

// RunRetention deletes messages received more than period ago, now and
// then every `every`, until ctx ends. Each pass deletes in transactions of
// at most batch messages with a short rest between them, so the writer is
// never held long. A period of 0 keeps everything (the function returns at
// once).
func RunRetention(ctx context.Context, st *store.Store, period, every time.Duration, batch int, now func() time.Time, log *slog.Logger) {
	if period <= 0 {
		return
	}
	if every <= 0 {
		every = DefaultRetentionEvery
	}
	if batch <= 0 {
		batch = DefaultRetentionBatch
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		cutoff := now().Add(-period)
		n, err := PurgeBefore(ctx, st, cutoff, batch, retentionPause)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("retention: deleting old messages failed", "err", err, "deleted", n)
		case n > 0:
			log.Info("retention: deleted old messages", "deleted", n, "before", cutoff.UTC().Format(time.RFC3339))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PurgeBefore deletes every message received before cutoff, batch messages
// per transaction with pause between transactions, and returns how many it
// deleted.
func PurgeBefore(ctx context.Context, st *store.Store, cutoff time.Time, batch int, pause time.Duration) (int, error) {
	total := 0
	for {
		n, err := st.Purge(ctx, cutoff, batch)
		total += n
		if err != nil {
			return total, err
		}
		if n < batch {
			return total, nil
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(pause):
		}
	}
}

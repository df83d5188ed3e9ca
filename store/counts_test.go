package store

import (
	"testing"
	"time"
)

func TestDelayBuckets(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want float64
	}{
		{-time.Second, 0},
		{0, 0},
		{2150 * time.Millisecond, 2.1},
		{9999 * time.Millisecond, 9.9},
		{10 * time.Second, 10},
		{95500 * time.Millisecond, 95},
		{599 * time.Second, 599},
		{10 * time.Minute, 600},
		{3*time.Hour + 30*time.Second, 3 * 3600},
		{72 * time.Hour, 24 * 3600},
	} {
		if got := bucketSeconds(delayBucket(c.d)); got != c.want {
			t.Errorf("delay %v: bucket stands for %vs, want %vs", c.d, got, c.want)
		}
	}
	seen := map[int64]bool{}
	for d := time.Duration(0); d < 30*time.Hour; d += 50 * time.Millisecond {
		seen[delayBucket(d)] = true
		if d > time.Minute {
			d += time.Second
		}
	}
	if len(seen) > 2200 {
		t.Errorf("%d buckets for delays up to a day", len(seen))
	}
	if len(seen) < 2000 {
		t.Errorf("only %d buckets for delays up to a day", len(seen))
	}
}

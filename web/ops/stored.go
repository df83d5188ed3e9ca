package ops

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"smsinbox/store"
)

// maxSources bounds the source label: an import may name any source, so
// sources beyond the first ones seen are counted as "other".
const maxSources = 64

// storedCounter counts the published messages stored since the process
// started, by source, whichever process stored them: at each scrape it
// reads the messages stored since the previous one.
type storedCounter struct {
	st     *store.Store
	desc   *prometheus.Desc
	mu     sync.Mutex
	after  int64
	primed bool
	counts map[string]float64
}

func newStoredCounter(st *store.Store) *storedCounter {
	s := &storedCounter{
		st: st,
		desc: prometheus.NewDesc("smsinbox_messages_stored_total",
			"Published messages stored since the server started, by source (any ingest path, this process or another).",
			[]string{"source"}, nil),
		counts: map[string]float64{},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.catchUp(ctx)
	return s
}

func (s *storedCounter) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

func (s *storedCounter) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.catchUp(ctx)
	for src, n := range s.counts {
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.CounterValue, n, src)
	}
}

// catchUp counts the messages stored since the last call, a bounded
// number per call so that a scrape stays quick after a large import.
func (s *storedCounter) catchUp(ctx context.Context) {
	if !s.primed {
		id, err := s.st.LastID(ctx)
		if err != nil {
			return
		}
		s.after, s.primed = id, true
		return
	}
	for page := 0; page < 20; page++ {
		ms, err := s.st.MessagesAfter(ctx, s.after, 1000)
		if err != nil {
			return
		}
		for _, m := range ms {
			src := sourceLabel(m.Source)
			if _, ok := s.counts[src]; !ok && len(s.counts) >= maxSources {
				src = "other"
			}
			s.counts[src]++
			s.after = m.ID
		}
		if len(ms) < 1000 {
			return
		}
	}
}

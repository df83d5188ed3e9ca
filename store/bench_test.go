package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"smsinbox/store"
	"smsinbox/store/demo"
)

// benchDB builds (once per run and size) a database of the demo data set
// with the given number of messages over 1,000 numbers and 50,000 senders.
var benchDBs sync.Map

func benchDB(b *testing.B, messages int) *store.Store {
	b.Helper()
	ctx := context.Background()
	dir := os.Getenv("SMSINBOX_BENCH_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("smsinbox-bench-%d.db", messages))
	if v, ok := benchDBs.Load(path); ok {
		return v.(*store.Store)
	}
	_, statErr := os.Stat(path)
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if statErr != nil {
		start := time.Now()
		if _, err := demo.Generate(ctx, st, demo.Options{Messages: messages, Numbers: 1000, Senders: 50000, Batch: 5000}); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d messages in %v", messages, time.Since(start).Round(time.Millisecond))
	}
	benchDBs.Store(path, st)
	return st
}

func benchSizes() []int {
	big := 1000000
	if v, err := strconv.Atoi(os.Getenv("SMSINBOX_BENCH_MESSAGES")); err == nil && v > 0 {
		big = v
	}
	if big <= 100000 {
		return []int{big}
	}
	return []int{100000, big}
}

// BenchmarkInsert measures stored messages per second, one per transaction
// and in batches of 500.
func BenchmarkInsert(b *testing.B) {
	for _, batch := range []int{1, 500} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := context.Background()
			st, err := store.Open(ctx, filepath.Join(b.TempDir(), "insert.db"), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			st.AddNumber(ctx, "bench", "+447400123456", "")
			n := 0
			start := time.Now()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ins := make([]store.Inbound, batch)
				for j := range ins {
					n++
					ins[j] = store.Inbound{To: "+447400123456", From: fmt.Sprintf("Sender%d", n%500), Body: fmt.Sprintf("Your code is %06d. Do not share it.", n), Source: "bench", SourceID: strconv.Itoa(n)}
				}
				if _, err := st.InsertBatch(ctx, ins); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// BenchmarkQueries measures p50 and p99 latency of the number, sender and
// home listings at 100,000 and 1,000,000 messages (SMSINBOX_BENCH_MESSAGES
// sets the larger size) and reports the ratio of the two sizes' p50.
func BenchmarkQueries(b *testing.B) {
	ctx := context.Background()
	sizes := benchSizes()
	p50 := map[string]map[int]time.Duration{}
	for _, size := range sizes {
		st := benchDB(b, size)
		nums, err := st.Numbers(ctx, store.NumberFilter{})
		if err != nil || len(nums) == 0 {
			b.Fatal("no numbers", err)
		}
		top, err := st.Senders(ctx, store.SenderFilter{Sort: "messages", Limit: 1})
		if err != nil || len(top) == 0 {
			b.Fatal("no senders", err)
		}
		queries := map[string]func(i int) error{
			"home": func(int) error { _, err := st.Messages(ctx, store.Filter{}); return err },
			"number": func(i int) error {
				_, err := st.Messages(ctx, store.Filter{NumberID: nums[i%len(nums)].ID})
				return err
			},
			"sender":         func(int) error { _, err := st.Messages(ctx, store.Filter{SenderKey: top[0].Key}); return err },
			"sender-profile": func(int) error { _, err := st.Profile(ctx, top[0].Key); return err },
			"search":         func(int) error { _, err := st.Search(ctx, "code", 0, 50); return err },
		}
		for _, name := range []string{"home", "number", "sender", "sender-profile", "search"} {
			q := queries[name]
			b.Run(fmt.Sprintf("%s/messages=%d", name, size), func(b *testing.B) {
				lat := make([]time.Duration, 0, b.N)
				for i := 0; i < b.N; i++ {
					t := time.Now()
					if err := q(i); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t))
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
				if p50[name] == nil {
					p50[name] = map[int]time.Duration{}
				}
				p50[name][size] = lat[len(lat)/2]
			})
		}
	}
	if len(sizes) == 2 {
		for name, bySize := range p50 {
			small, big := bySize[sizes[0]], bySize[sizes[1]]
			if small > 0 {
				b.Logf("%-15s p50 at %d: %v, at %d: %v, ratio %.2f", name, sizes[0], small, sizes[1], big, float64(big)/float64(small))
			}
		}
	}
}

package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"smsinbox/store"
)

// BenchmarkWaitForCode has 500 clients wait for codes on the wait-for-code
// API (each on one of 50 numbers and one of two senders) while messages
// arrive at 100 a second, and reports the time from a message's commit to
// each answer carrying it (p50, p99) and the heap in use while they wait.
// Each iteration is one message.
func BenchmarkWaitForCode(b *testing.B) {
	const (
		clients = 500
		numbers = 50
		rate    = 100 // messages a second
	)
	v := newEnv(b)
	ctx := context.Background()
	senders := []string{"WhatsApp", "Telegram"}
	var digits []string
	for i := 0; i < numbers; i++ {
		n, err := v.st.AddNumber(ctx, "bench", fmt.Sprintf("+4474001%05d", i), "")
		if err != nil {
			b.Fatal(err)
		}
		digits = append(digits, n.Digits())
	}
	if _, err := v.st.Insert(ctx, store.Inbound{To: "+447400100000", From: "WhatsApp", Body: "Your code: 000000", Source: "bench"}); err != nil {
		b.Fatal(err)
	}
	first, _ := v.st.LastID(ctx)

	var mu sync.Mutex
	committed := map[int64]time.Time{}
	v.st.OnCommit(func(last int64) {
		now := time.Now()
		mu.Lock()
		committed[last] = now
		mu.Unlock()
	})
	var lat []time.Duration

	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr}
	cctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			after := first
			path := v.srv.URL + "/api/v1/numbers/" + digits[i%numbers] + "/messages?wait=30s&from=" + senders[(i/numbers)%2] + "&after="
			for cctx.Err() == nil {
				req, _ := http.NewRequestWithContext(cctx, http.MethodGet, path+strconv.FormatInt(after, 10), nil)
				resp, err := cl.Do(req)
				if err != nil {
					return
				}
				var l msgList
				err = json.NewDecoder(resp.Body).Decode(&l)
				resp.Body.Close()
				if err != nil {
					return
				}
				now := time.Now()
				mu.Lock()
				for _, it := range l.Items {
					if at, ok := committed[it.MessageID]; ok {
						lat = append(lat, now.Sub(at))
					}
					after = max(after, it.MessageID)
				}
				mu.Unlock()
			}
		}(i)
	}
	for v.h.Waiting() < clients {
		time.Sleep(10 * time.Millisecond)
	}
	runtime.GC()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)

	b.ResetTimer()
	tick := time.NewTicker(time.Second / rate)
	for i := 0; i < b.N; i++ {
		<-tick.C
		in := store.Inbound{To: "+" + digits[i%numbers], From: senders[(i/numbers)%2], Body: fmt.Sprintf("Your code: %06d", i), Source: "bench"}
		if _, err := v.st.Ingest(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	tick.Stop()
	b.StopTimer()
	time.Sleep(200 * time.Millisecond) // let the last answers arrive
	stop()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(lat) == 0 {
		b.Fatal("no answers")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(q float64) float64 {
		return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(len(lat))/float64(b.N), "answers/msg")
	b.ReportMetric(float64(mem.HeapInuse)/(1<<20), "heap-MB")
}

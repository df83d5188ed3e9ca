package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"smsinbox/store"
)

// buildBinary compiles the smsinbox command once per test binary run.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "smsinbox-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "smsinbox")
		cmd := exec.Command("go", "build", "-o", buildOnce.path, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		tb.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

// server is a real smsinbox serve process.
type server struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

var listenRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

const ingestToken = "crash-test-token"

func startBinary(tb testing.TB, db string) *server {
	tb.Helper()
	cmd := exec.Command(binary(tb), "serve", "--db", db, "--addr", "127.0.0.1:0", "--demo=false",
		"--auto-add-numbers", "--rate-limit", "0", "--log-format", "text")
	cmd.Env = append(os.Environ(), "SMSINBOX_INGEST_TOKEN="+ingestToken)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		cmd.Wait()
		close(s.done)
	}()
	select {
	case addr := <-found:
		s.base = "http://" + addr
	case <-s.done:
		tb.Fatal("smsinbox serve exited before it listened")
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		tb.Fatal("smsinbox serve did not start listening within 30s")
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		<-s.done
	})
	return s
}

func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

func crashMessage(i int) []byte {
	b, _ := json.Marshal(map[string]string{
		"to":          "+447400123456",
		"from":        fmt.Sprintf("Service%d", i%40),
		"body":        fmt.Sprintf("Your verification code is %06d", i),
		"received_at": time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano),
		"source":      "json",
		"id":          "crash-" + strconv.Itoa(i),
	})
	return b
}

// post delivers one message; it reports whether the server answered 2xx.
func post(client *http.Client, base string, body []byte) (bool, time.Duration) {
	start := time.Now()
	req, _ := http.NewRequest(http.MethodPost, base+"/ingest/json", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ingestToken)
	resp, err := client.Do(req)
	if err != nil {
		return false, 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode/100 == 2, time.Since(start)
}

// burst sends messages [0, n) from workers clients at once, calling
// afterAcks once acks answers were 2xx (to kill the server mid-burst). It
// returns which messages were acknowledged.
func burst(base string, n, workers int, acks int64, afterAcks func()) []bool {
	acked := make([]bool, n)
	client := &http.Client{Timeout: 20 * time.Second}
	var next, count atomic.Int64
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if ok, _ := post(client, base, crashMessage(i)); ok {
					acked[i] = true
					if count.Add(1) == acks && afterAcks != nil {
						once.Do(afterAcks)
					}
				}
			}
		}()
	}
	wg.Wait()
	return acked
}

// crashAndRecover kills the server with SIGKILL in the middle of a burst of
// n messages, restarts it, resends what was not acknowledged, and checks
// that the database holds every message exactly once.
func crashAndRecover(tb testing.TB, n int) (ackedBeforeKill int) {
	db := filepath.Join(tb.TempDir(), "crash.db")
	srv := startBinary(tb, db)
	acked := burst(srv.base, n, 16, int64(n/3), srv.kill)
	<-srv.done
	for _, ok := range acked {
		if ok {
			ackedBeforeKill++
		}
	}
	if ackedBeforeKill == 0 || ackedBeforeKill == n {
		tb.Fatalf("the kill did not land mid-burst: %d of %d acknowledged", ackedBeforeKill, n)
	}
	srv = startBinary(tb, db)
	client := &http.Client{Timeout: 20 * time.Second}
	for i, ok := range acked {
		if !ok {
			if ok, _ := post(client, srv.base, crashMessage(i)); !ok {
				tb.Fatalf("resending message %d after the restart failed", i)
			}
		}
	}
	// Resend a few acknowledged ones too: a retry must not store twice.
	for i := 0; i < 20 && i < n; i++ {
		if ok, _ := post(client, srv.base, crashMessage(i)); !ok {
			tb.Fatalf("retrying message %d failed", i)
		}
	}
	srv.kill()

	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	seen := map[string]int{}
	err = st.Export(context.Background(), true, func(m store.Message) error {
		seen[m.SourceID]++
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	var missing, doubled []string
	for i := 0; i < n; i++ {
		id := "crash-" + strconv.Itoa(i)
		switch seen[id] {
		case 0:
			missing = append(missing, id)
		case 1:
		default:
			doubled = append(doubled, id)
		}
	}
	if len(seen) != n || len(missing) > 0 || len(doubled) > 0 {
		sort.Strings(missing)
		tb.Fatalf("after the crash the database holds %d distinct messages of %d; missing %v; stored twice %v",
			len(seen), n, missing[:min(len(missing), 10)], doubled[:min(len(doubled), 10)])
	}
	return ackedBeforeKill
}

// TestKillDuringBurst is the crash test: every acknowledged message
// survives SIGKILL and every message ends up stored exactly once.
func TestKillDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	acked := crashAndRecover(t, 600)
	t.Logf("600 messages: %d acknowledged before SIGKILL, all stored exactly once after the restart", acked)
}

// BenchmarkKillDuringBurst runs the crash test with a burst of 5,000.
func BenchmarkKillDuringBurst(b *testing.B) {
	for i := 0; i < b.N; i++ {
		acked := crashAndRecover(b, 5000)
		b.Logf("5,000 messages: %d acknowledged before SIGKILL, all 5,000 stored exactly once after the restart", acked)
	}
}

// BenchmarkWebhookBinary measures sustained webhook ingest into the real
// binary over loopback with 64 concurrent senders and durable commits,
// against a plain loop storing the same messages one per transaction with
// the same driver, in the same run.
func BenchmarkWebhookBinary(b *testing.B) {
	const n = 4000
	srv := startBinary(b, filepath.Join(b.TempDir(), "ingest.db"))
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var lat []time.Duration
	var mu sync.Mutex
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				ok, d := post(client, srv.base, crashMessage(i))
				if !ok {
					b.Errorf("message %d refused", i)
					return
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	hookRate := float64(n) / time.Since(start).Seconds()
	slices.Sort(lat)
	p99 := lat[len(lat)*99/100]

	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "loop.db"), store.Options{AutoAddNumbers: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const loopN = 500
	start = time.Now()
	for i := 0; i < loopN; i++ {
		var in struct {
			To, From, Body, Source, ID string
		}
		json.Unmarshal(crashMessage(i), &in)
		if _, err := st.Insert(context.Background(), store.Inbound{To: in.To, From: in.From, Body: in.Body, Source: in.Source, SourceID: in.ID}); err != nil {
			b.Fatal(err)
		}
	}
	loopRate := float64(loopN) / time.Since(start).Seconds()
	b.ReportMetric(hookRate, "webhook-msgs/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "webhook-p99-ms")
	b.ReportMetric(loopRate, "loop-msgs/s")
	b.ReportMetric(hookRate/loopRate, "ratio")
	b.Logf("webhook into the binary: %.0f msgs/s, p99 %v; one insert per transaction: %.0f msgs/s; ratio %.2f", hookRate, p99.Round(time.Millisecond), loopRate, hookRate/loopRate)
}

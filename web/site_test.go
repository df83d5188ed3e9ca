package web

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"smsinbox/store"
	"smsinbox/web/live"
)

// site is a running server over a fresh database.
type site struct {
	t   *testing.T
	st  *store.Store
	srv *Server
	hub *live.Hub
	url string
	// stop shuts the server down as the program does.
	stop func()
	done chan error
}

// newSite starts the real server on a loopback port over a new database.
func newSite(t *testing.T, tune ...func(*Config)) *site {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "site.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := live.New(st, 50*time.Millisecond, log)
	go hub.Run(ctx)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := Config{PublicURL: base, Logger: log, Contact: "abuse@example.org"}
	for _, f := range tune {
		f(&cfg)
	}
	srv := New(st, hub, cfg)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	t.Cleanup(func() {
		stop()
		st.Close()
	})
	return &site{t: t, st: st, srv: srv, hub: hub, url: base, stop: stop}
}

// addNumber publishes a number.
func (s *site) addNumber(e164, label string) store.Number {
	s.t.Helper()
	n, err := s.st.AddNumber(context.Background(), "test", e164, label)
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

// insert stores a message received ago before now.
func (s *site) insert(to, from, body string, ago time.Duration) store.Message {
	s.t.Helper()
	now := time.Now().UTC()
	res, err := s.st.Insert(context.Background(), store.Inbound{
		To: to, From: from, Body: body, ReceivedAt: now.Add(-ago), SentAt: now.Add(-ago - 3*time.Second), Source: "test",
	})
	if err != nil {
		s.t.Fatal(err)
	}
	m, err := s.st.Message(context.Background(), res.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return m
}

// get fetches a path without following redirects.
func (s *site) get(path string, header ...string) (*http.Response, string) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return res, string(b)
}

// demo fills the site with a few numbers and messages.
func (s *site) demo() {
	s.t.Helper()
	s.addNumber("+447400123456", "UK mobile")
	s.addNumber("+447400654321", "")
	s.addNumber("+4915112345678", "Berlin")
	s.addNumber("+12025550143", "")
	msgs := []struct {
		to, from, body string
		ago            time.Duration
	}{
		{"+447400123456", "WhatsApp", "Your WhatsApp code: 123-456. Don't share this code with others", 50 * time.Minute},
		{"+447400123456", "Google", "G-482913 is your Google verification code.", 40 * time.Minute},
		{"+4915112345678", "Telegram", "Telegram code: 55821. Do not give this code to anyone, even if they say they are from Telegram!", 30 * time.Minute},
		{"+12025550143", "+9009", "Your Uber code: 7731. Reply STOP to opt out. https://uber.com/help", 20 * time.Minute},
		{"+447400123456", "+9009", "Your Uber code: 4410. Never share this code.", 10 * time.Minute},
		{"+447400654321", "Amazon", "Amazon: Your one-time password is 908172. Visit https://amazon.co.uk/a?x=1 for help.", 3 * time.Minute},
	}
	for _, m := range msgs {
		s.insert(m.to, m.from, m.body, m.ago)
	}
}

func must(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(format, args...)
	}
}

func itoa[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

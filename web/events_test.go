package web

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sse is an open event stream.
type sse struct {
	t      *testing.T
	res    *http.Response
	lines  chan string
	cancel context.CancelFunc
}

func (s *site) events(path string, header ...string) *sse {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+path, nil)
	req.Header.Set("Accept", "text/event-stream")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		s.t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		s.t.Fatalf("%s: status %d, type %q", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	e := &sse{t: s.t, res: res, lines: make(chan string, 100), cancel: cancel}
	go func() {
		defer close(e.lines)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			e.lines <- sc.Text()
		}
	}()
	s.t.Cleanup(func() { cancel(); res.Body.Close() })
	return e
}

// event is one received event.
type event struct {
	id, name, data string
}

// next reads the next event (skipping comments and the retry field)
// within d; ok is false when none came or the stream ended.
func (e *sse) next(d time.Duration) (ev event, ok bool) {
	timeout := time.After(d)
	var data []string
	for {
		select {
		case line, open := <-e.lines:
			if !open {
				return ev, false
			}
			switch {
			case line == "":
				if ev.id != "" || len(data) > 0 {
					ev.data = strings.Join(data, "\n")
					return ev, true
				}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = append(data, line[6:])
			}
		case <-timeout:
			return ev, false
		}
	}
}

// comment waits for a comment line.
func (e *sse) comment(d time.Duration) bool {
	timeout := time.After(d)
	for {
		select {
		case line, open := <-e.lines:
			if !open {
				return false
			}
			if strings.HasPrefix(line, ":") {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

func TestEventsNumber(t *testing.T) {
	s := newSite(t, func(c *Config) { c.KeepAlive = 100 * time.Millisecond })
	s.demo()
	stream := s.events("/number/447400123456/events")
	waitSubscribers(t, s, 1)
	// Another number's message is not sent; this number's is, within 2s.
	s.insert("+4915112345678", "Telegram", "Telegram code: 11111", 0)
	m := s.insert("+447400123456", "WhatsApp", "Your WhatsApp code: 222-333 <b>bold</b>", 0)
	ev, ok := stream.next(2 * time.Second)
	if !ok {
		t.Fatal("no event within 2s of the commit")
	}
	if ev.id != itoa(m.ID) || ev.name != "message" {
		t.Fatalf("event id %q name %q, want %d message", ev.id, ev.name, m.ID)
	}
	d := parse(t, ev.data)
	if ids := d.messageIDs(); len(ids) != 1 || ids[0] != itoa(m.ID) {
		t.Fatalf("event HTML holds messages %v", ids)
	}
	if len(d.tag("b")) != 0 || !strings.Contains(ev.data, "&lt;b&gt;bold&lt;/b&gt;") {
		t.Errorf("event HTML does not escape the body: %s", ev.data)
	}
	if !strings.Contains(ev.data, `id="m-`+itoa(m.ID)+`"`) || !strings.Contains(ev.data, `href="/sender/whatsapp"`) {
		t.Errorf("event HTML is not the listing item: %s", ev.data)
	}
	// The same component renders the page.
	_, page := s.get("/number/447400123456")
	if !strings.Contains(page, ev.data) {
		t.Errorf("the event HTML differs from the page's item")
	}
	if !stream.comment(time.Second) {
		t.Error("no keep-alive comment")
	}
	// Leaving ends the subscription.
	stream.cancel()
	waitSubscribers(t, s, 0)
}

func TestEventsReplayAndSender(t *testing.T) {
	s := newSite(t)
	s.demo()
	m1 := s.insert("+447400123456", "+9009", "Your Uber code: 1001", 0)
	m2 := s.insert("+12025550143", "+9009", "Your Uber code: 1002", 0)
	s.insert("+12025550143", "Google", "G-777777 is your code", 0)
	// A reconnecting client gets what it missed since its last event,
	// oldest first.
	stream := s.events("/sender/9009/events", "Last-Event-ID", itoa(m1.ID-1))
	for _, want := range []int64{m1.ID, m2.ID} {
		ev, ok := stream.next(2 * time.Second)
		if !ok || ev.id != itoa(want) {
			t.Fatalf("replay: got %q, want %d", ev.id, want)
		}
		if !strings.Contains(ev.data, `href="/number/`) {
			t.Error("a sender's event does not link the number")
		}
	}
	m3 := s.insert("+447400654321", "+9009", "Your Uber code: 1003", 0)
	ev, ok := stream.next(2 * time.Second)
	if !ok || ev.id != itoa(m3.ID) {
		t.Fatalf("live: got %q, want %d", ev.id, m3.ID)
	}
	// The site-wide stream with ?after= replays too.
	all := s.events("/events?after=" + itoa(m3.ID-1))
	if ev, ok := all.next(2 * time.Second); !ok || ev.id != itoa(m3.ID) {
		t.Fatalf("site stream: got %q, want %d", ev.id, m3.ID)
	}
	for _, p := range []string{"/number/999/events", "/sender/nobody/events"} {
		if res, _ := s.get(p); res.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", p, res.StatusCode)
		}
	}
}

func TestEventsEndOnShutdown(t *testing.T) {
	s := newSite(t)
	s.demo()
	stream := s.events("/events")
	waitSubscribers(t, s, 1)
	start := time.Now()
	s.stop()
	for range stream.lines {
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v with a stream open", d)
	}
	waitSubscribers(t, s, 0)
}

func waitSubscribers(t *testing.T, s *site, n int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for s.hub.Subscribers() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d live subscribers, want %d", s.hub.Subscribers(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

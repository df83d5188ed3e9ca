package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Hiding an older message changes no page's newest time, so a client that
// revalidates by date alone (If-Modified-Since without an ETag) must not be
// told that its copy, which still shows the message, is current.
func TestHiddenMessageDefeatsDateRevalidation(t *testing.T) {
	s := newSite(t)
	s.addNumber("+447400123456", "")
	old := s.insert("+447400123456", "Bank", "Your code is 551177", 20*time.Minute)
	s.insert("+447400123456", "Bank", "Your code is 662288", time.Minute)
	for _, path := range []string{"/", "/number/447400123456", "/sender/bank", "/country/gb"} {
		res, body := s.get(path)
		if res.StatusCode != 200 || !strings.Contains(body, "551177") {
			t.Fatalf("%s: status %d before hiding, or the message is missing", path, res.StatusCode)
		}
	}
	lastMod := map[string]string{}
	for _, path := range []string{"/", "/number/447400123456", "/sender/bank", "/country/gb"} {
		res, _ := s.get(path)
		lastMod[path] = res.Header.Get("Last-Modified")
	}
	if err := s.st.HideMessage(context.Background(), "test", old.ID, "removal request"); err != nil {
		t.Fatal(err)
	}
	s.srv.Changed()
	for path, lm := range lastMod {
		if lm == "" {
			continue
		}
		res, body := s.get(path, "If-Modified-Since", lm)
		if res.StatusCode == http.StatusNotModified || strings.Contains(body, "551177") {
			t.Errorf("%s: status %d after hiding; a date-only revalidation keeps the hidden message", path, res.StatusCode)
		}
	}
}

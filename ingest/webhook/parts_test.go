package webhook

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"smsinbox/store"
)

// vonagePart is one part of a long message as Vonage sends it (Vonage does
// not reassemble), signed with md5hash.
func vonagePart(ref, total, seq int, text string) func() *http.Request {
	f := vonageFields(testNow.Add(-time.Duration(total-seq) * time.Second))
	f.Set("messageId", "0A00000012345"+strconv.Itoa(seq))
	f.Set("text", text)
	f.Set("concat", "true")
	f.Set("concat-ref", strconv.Itoa(ref))
	f.Set("concat-total", strconv.Itoa(total))
	f.Set("concat-part", strconv.Itoa(seq))
	signed := vonageSign("md5hash", vonageSecret, f)
	return func() *http.Request { return newRequest("GET", "/ingest/vonage?"+signed.Encode(), "") }
}

var vonageCfg = Config{VonageSignatureSecret: vonageSecret, VonageSignatureMethod: "md5hash"}

var longParts = []string{
	"Your verification code for Example Bank is 551204. Do not share this code with anyone, ",
	"including Example Bank staff. If you did not ask for a code, call us on the number ",
	"on the back of your card. The code expires in 10 minutes.",
}

func sendPart(t *testing.T, s *testServer, ref, seq int) {
	t.Helper()
	if a := s.do(vonagePart(ref, len(longParts), seq, longParts[seq-1])()); a.status != 200 {
		t.Fatalf("part %d: status %d (%s)", seq, a.status, a.body)
	}
}

func TestVonageMultipartOutOfOrder(t *testing.T) {
	s := newServer(t, vonageCfg, "")
	for i, seq := range []int{3, 1, 3, 2} { // part 3 is delivered twice
		sendPart(t, s, 0x4A, seq)
		msgs := s.messages()
		if i < 3 && len(msgs) != 0 {
			t.Fatalf("after %d parts, %d messages are stored", i+1, len(msgs))
		}
	}
	msgs := s.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if want := strings.Join(longParts, ""); m.Body != want || m.Parts != 3 || m.Incomplete {
		t.Errorf("stored %q parts=%d incomplete=%v, want %q", m.Body, m.Parts, m.Incomplete, want)
	}
	if m.From != "+447400123456" || m.Source != "vonage" {
		t.Errorf("from %q source %q", m.From, m.Source)
	}
	if got := s.counter("vonage", outcomePart); got != 3 {
		t.Errorf("part outcomes = %v, want 3", got)
	}
}

func TestVonageMultipartAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	s := newServer(t, vonageCfg, path)
	sendPart(t, s, 200, 2)
	s.close()

	s = newServer(t, vonageCfg, path)
	sendPart(t, s, 200, 3)
	if n := len(s.messages()); n != 0 {
		t.Fatalf("%d messages before the last part", n)
	}
	sendPart(t, s, 200, 1)
	msgs := s.messages()
	if len(msgs) != 1 || msgs[0].Body != strings.Join(longParts, "") {
		t.Fatalf("after reopening, stored %+v", msgs)
	}
}

// TestVonageMultipartFlush checks that a message missing a part is
// published with a gap by the flusher once the parts timeout passed.
func TestVonageMultipartFlush(t *testing.T) {
	s := newServer(t, Config{VonageSignatureSecret: vonageSecret, PartsTimeout: time.Second}, "")
	sendPart(t, s, 7, 1)
	sendPart(t, s, 7, 3)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.h.RunFlusher(ctx)
		close(done)
	}()
	var msgs []store.Message
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if msgs = s.messages(); len(msgs) > 0 {
			break
		}
	}
	cancel()
	<-done
	if len(msgs) != 1 {
		t.Fatalf("%d messages after the timeout, want 1", len(msgs))
	}
	m := msgs[0]
	if !m.Incomplete || m.Parts != 3 || !strings.Contains(m.Body, store.GapMarker) ||
		!strings.HasPrefix(m.Body, longParts[0]) || !strings.HasSuffix(m.Body, longParts[2]) {
		t.Errorf("flushed %q incomplete=%v parts=%d", m.Body, m.Incomplete, m.Parts)
	}
}

func TestVonageBadConcat(t *testing.T) {
	s := newServer(t, vonageCfg, "")
	for _, tc := range []struct{ ref, total, part string }{
		{"1", "3", "4"}, {"1", "0", "1"}, {"x", "2", "1"}, {"1", "2", "0"}, {"70000", "2", "1"},
	} {
		f := vonageFields(testNow)
		f.Set("concat", "true")
		f.Set("concat-ref", tc.ref)
		f.Set("concat-total", tc.total)
		f.Set("concat-part", tc.part)
		signed := vonageSign("md5hash", vonageSecret, f)
		if a := s.do(newRequest("GET", "/ingest/vonage?"+signed.Encode(), "")); a.status != 400 {
			t.Errorf("%+v: status %d, want 400", tc, a.status)
		}
	}
	// A binary part is kept as it comes.
	f := vonageFields(testNow)
	f.Del("text")
	f.Set("type", "binary")
	f.Set("data", "0b05040b8423f0")
	f.Set("udh", "050003cc0201")
	signed := vonageSign("md5hash", vonageSecret, f)
	if a := s.do(newRequest("GET", "/ingest/vonage?"+url.Values(signed).Encode(), "")); a.status != 200 {
		t.Fatalf("binary: status %d (%s)", a.status, a.body)
	}
	if msgs := s.messages(); len(msgs) != 1 || len(msgs[0].Binary) != 7 {
		t.Errorf("binary stored as %+v", msgs)
	}
}

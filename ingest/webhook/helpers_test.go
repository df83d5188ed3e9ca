package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"smsinbox/store"
)

// testNow is the clock of every test server.
var testNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// publicURL is the base URL the gateways are told to call; the test server
// listens elsewhere, as behind a reverse proxy.
const publicURL = "https://sms.example.com"

const testToken = "ingest-token-7f3a"

// testServer is the real echo server with the real store behind it.
type testServer struct {
	t    *testing.T
	st   *store.Store
	srv  *httptest.Server
	h    *Handlers
	reg  *prometheus.Registry
	path string
}

// newServer opens a store in a temporary directory (or path, when given)
// and serves the webhook handlers configured by cfg.
func newServer(t *testing.T, cfg Config, path string) *testServer {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "t.db")
	}
	st, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = publicURL
	}
	reg := prometheus.NewRegistry()
	cfg.Registerer = reg
	h := New(st, cfg)
	e := echo.New()
	h.Register(e)
	ts := &testServer{t: t, st: st, srv: httptest.NewServer(e), h: h, reg: reg, path: path}
	t.Cleanup(ts.close)
	return ts
}

func (s *testServer) close() {
	if s.srv != nil {
		s.srv.Close()
		s.srv = nil
	}
	if s.st != nil {
		s.st.Close()
		s.st = nil
	}
}

// answer is what the server replied.
type answer struct {
	status int
	ctype  string
	body   string
}

// do sends req (its URL relative to the server) and reads the answer.
func (s *testServer) do(req *http.Request) answer {
	s.t.Helper()
	u, _ := url.Parse(s.srv.URL)
	req.URL.Scheme, req.URL.Host = u.Scheme, u.Host
	req.RequestURI = ""
	res, err := s.srv.Client().Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, ctype: res.Header.Get("Content-Type"), body: string(b)}
}

// messages returns every stored message, published or not.
func (s *testServer) messages() []store.Message {
	s.t.Helper()
	var out []store.Message
	if err := s.st.Export(context.Background(), true, func(m store.Message) error {
		out = append(out, m)
		return nil
	}); err != nil {
		s.t.Fatal(err)
	}
	return out
}

func (s *testServer) counter(provider, outcome string) float64 {
	return counterValue(s.t, s.h.metrics.requests.WithLabelValues(provider, outcome))
}

func (s *testServer) sigFailures(provider string) float64 {
	return counterValue(s.t, s.h.metrics.sigFailed.WithLabelValues(provider))
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// newRequest builds a request for path with body and headers given as
// name, value pairs.
func newRequest(method, path, body string, headers ...string) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

const formType = "application/x-www-form-urlencoded"

func hmacHex(h func() hash.Hash, key, msg string) string {
	m := hmac.New(h, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func hmacB64(h func() hash.Hash, key, msg string) string {
	m := hmac.New(h, []byte(key))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// providerCase is one row of a provider's table test. Each row gets a new
// server and an empty store.
type providerCase struct {
	name   string
	req    func() *http.Request
	times  int // how many times the request is sent (a retry repeats it)
	status int
	body   string // a part the answer must contain
	rows   int    // messages stored afterwards
	check  func(t *testing.T, msgs []store.Message, a answer)
}

func runCases(t *testing.T, cfg Config, cases []providerCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, cfg, "")
			var first answer
			for i := range max(tc.times, 1) {
				a := s.do(tc.req())
				if i == 0 {
					first = a
				}
				if a.status != tc.status {
					t.Fatalf("attempt %d: status = %d (%s), want %d", i+1, a.status, a.body, tc.status)
				}
				if !strings.Contains(a.body, tc.body) {
					t.Errorf("attempt %d: answer %q does not contain %q", i+1, a.body, tc.body)
				}
			}
			msgs := s.messages()
			if len(msgs) != tc.rows {
				t.Fatalf("stored %d messages, want %d", len(msgs), tc.rows)
			}
			if tc.check != nil {
				tc.check(t, msgs, first)
			}
		})
	}
}

// badSecretAnswer checks that a refused request says nothing about what
// was expected.
func noDetail(secrets ...string) func(t *testing.T, _ []store.Message, a answer) {
	return func(t *testing.T, _ []store.Message, a answer) {
		t.Helper()
		for _, s := range secrets {
			if s != "" && strings.Contains(a.body, s) {
				t.Errorf("the refusal %q reveals %q", a.body, s)
			}
		}
	}
}

// wantMessage checks the one stored message's fields.
func wantMessage(from, to, body, source, sourceID string, received time.Time) func(t *testing.T, msgs []store.Message, a answer) {
	return func(t *testing.T, msgs []store.Message, _ answer) {
		t.Helper()
		m := msgs[0]
		if m.From != from || m.Number != to || m.Body != body || m.Source != source || m.SourceID != sourceID {
			t.Errorf("stored from=%q to=%q body=%q source=%q id=%q; want %q %q %q %q %q",
				m.From, m.Number, m.Body, m.Source, m.SourceID, from, to, body, source, sourceID)
		}
		if !received.IsZero() && !m.ReceivedAt.Equal(received) {
			t.Errorf("received at %v, want %v", m.ReceivedAt, received)
		}
	}
}

// wantParts checks how many SMS parts the one stored message was made of.
func wantParts(n int) func(t *testing.T, msgs []store.Message, a answer) {
	return func(t *testing.T, msgs []store.Message, _ answer) {
		t.Helper()
		if got := msgs[0].Parts; got != n {
			t.Errorf("stored with %d parts, want %d", got, n)
		}
	}
}

// bigBody is a body just over the limit.
var bigBody = "Body=" + strings.Repeat("x", MaxBody)

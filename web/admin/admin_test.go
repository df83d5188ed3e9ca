package admin

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"smsinbox/store"
	"smsinbox/web"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	st  *store.Store
	srv *httptest.Server
	clk *clock
	h   *Handlers
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	cfg.Now = clk.Now
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Logger = log
	h, err := New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	site := web.New(st, nil, web.Config{Logger: log, Mount: []func(*echo.Echo){h.Register}})
	srv := httptest.NewServer(site)
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return &env{st: st, srv: srv, clk: clk, h: h}
}

// browser is a client with its own cookies that does not follow redirects.
type browser struct {
	t   *testing.T
	env *env
	c   *http.Client
}

func (v *env) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, env: v, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.env.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, hdr ...string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.env.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in and returns the form token of the session.
func (b *browser) signIn(name, password string) string {
	b.t.Helper()
	resp, body := b.post("/admin/login", url.Values{"name": {name}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin" {
		b.t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	resp, body = b.get("/admin")
	if resp.StatusCode != 200 {
		b.t.Fatalf("/admin after sign-in: %d", resp.StatusCode)
	}
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatal("the admin page has no form token")
	}
	return m[1]
}

func TestOffWithoutPassword(t *testing.T) {
	v := newEnv(t, Config{})
	if v.h.Enabled() {
		t.Fatal("enabled without a password")
	}
	b := v.browser(t)
	for _, p := range []string{"/admin", "/admin/login"} {
		if resp, _ := b.get(p); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
	if resp, _ := b.post("/admin/login", url.Values{"password": {""}}); resp.StatusCode != 404 {
		t.Errorf("POST /admin/login: %d, want 404", resp.StatusCode)
	}
}

func TestConfigErrors(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, cfg := range []Config{
		{PasswordHash: "not-a-hash"},
		{PasswordHash: "$2a$10$tooshort"},
		{Password: "x", PasswordHash: "$2a$04$0123456789012345678901234567890123456789012345678901."},
	} {
		if _, err := New(st, cfg); err == nil {
			t.Errorf("New(%+v) gave no error", cfg)
		}
	}
}

func TestSignIn(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]Config{
		"password": {Password: "correct horse", PublicURL: "https://sms.example.org"},
		"hash":     {PasswordHash: string(hash), PublicURL: "https://sms.example.org"},
	} {
		t.Run(name, func(t *testing.T) {
			v := newEnv(t, cfg)
			b := v.browser(t)
			resp, _ := b.get("/admin")
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/login" {
				t.Fatalf("/admin signed out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			resp, body := b.get("/admin/login")
			if resp.StatusCode != 200 || !strings.Contains(body, `data-testid="admin-login"`) {
				t.Fatalf("/admin/login: %d", resp.StatusCode)
			}
			if strings.Contains(body, "<style") || strings.Contains(body, " style=") {
				t.Error("the sign-in page has inline styles, which the site's Content-Security-Policy blocks")
			}
			if r, css := b.get("/admin/admin.css"); r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") || !strings.Contains(css, "body") {
				t.Errorf("/admin/admin.css: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
			}
			if resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(resp.Header.Get("X-Robots-Tag"), "noindex") {
				t.Errorf("headers %v", resp.Header)
			}
			resp, _ = b.post("/admin/login", url.Values{"name": {"eve"}, "password": {"Correct horse"}})
			if resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
				t.Errorf("a wrong password: %d, cookies %v", resp.StatusCode, resp.Cookies())
			}
			resp, _ = b.post("/admin/login", url.Values{"name": {"Alice"}, "password": {"correct horse"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("the right password: %d", resp.StatusCode)
			}
			var ck *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == cookieName {
					ck = c
				}
			}
			if ck == nil || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/admin" {
				t.Fatalf("session cookie %+v", ck)
			}
			_, body = b.get("/admin")
			if !strings.Contains(body, "admin:Alice") || !strings.Contains(body, "admin.signin_failed") || !strings.Contains(body, "admin.signin") {
				t.Errorf("the dashboard lacks the actor or the audit log")
			}
			log, _ := v.st.AuditLog(context.Background(), 10)
			if len(log) != 2 || log[1].Action != "admin.signin_failed" || log[1].Actor != "admin:eve" || log[0].Action != "admin.signin" {
				t.Errorf("audit log %+v", log)
			}

			// A forged or altered cookie is refused.
			other := v.browser(t)
			u, _ := url.Parse(v.srv.URL + "/admin")
			forged := ck.Value[:len(ck.Value)-2] + "xx"
			other.c.Jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: forged}})
			if resp, _ := other.get("/admin"); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("a forged cookie: %d", resp.StatusCode)
			}
			// The session ends.
			v.clk.Add(13 * time.Hour)
			if resp, _ := b.get("/admin"); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("an expired session: %d", resp.StatusCode)
			}
		})
	}
}

func TestWrongPasswordsSlowDown(t *testing.T) {
	v := newEnv(t, Config{Password: "secret"})
	b := v.browser(t)
	wrong := url.Values{"password": {"guess"}}
	for i := 0; i < freeFailures; i++ {
		if resp, _ := b.post("/admin/login", wrong); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, resp.StatusCode)
		}
	}
	// Now even the right password must wait.
	resp, body := b.post("/admin/login", url.Values{"password": {"secret"}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "wait") {
		t.Fatalf("after %d wrong passwords: %d Retry-After %q", freeFailures, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	v.clk.Add(2 * time.Second)
	if resp, _ := b.post("/admin/login", wrong); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a try after the wait: %d", resp.StatusCode)
	}
	// The wait doubles.
	v.clk.Add(1500 * time.Millisecond)
	if resp, _ := b.post("/admin/login", url.Values{"password": {"secret"}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("1.5s after the next failure: %d, want 429", resp.StatusCode)
	}
	v.clk.Add(time.Second)
	if resp, _ := b.post("/admin/login", url.Values{"password": {"secret"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the doubled wait: %d", resp.StatusCode)
	}
	log, _ := v.st.AuditLog(context.Background(), 50)
	failed := 0
	for _, e := range log {
		if e.Action == "admin.signin_failed" {
			failed++
		}
	}
	if failed != freeFailures+1 {
		t.Errorf("%d failed sign-ins in the audit log, want %d", failed, freeFailures+1)
	}
	if d := delayAfter(1000); d != maxDelay {
		t.Errorf("the delay grows past its cap: %v", d)
	}
}

func TestCSRF(t *testing.T) {
	v := newEnv(t, Config{Password: "secret"})
	b := v.browser(t)
	token := b.signIn("", "secret")
	add := url.Values{"number": {"+447400123456"}}
	if resp, _ := b.post("/admin/numbers/add", add); resp.StatusCode != http.StatusForbidden {
		t.Errorf("no form token: %d, want 403", resp.StatusCode)
	}
	other := v.browser(t)
	otherToken := other.signIn("", "secret")
	add.Set("csrf", otherToken)
	if resp, _ := b.post("/admin/numbers/add", add); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another session's token: %d, want 403", resp.StatusCode)
	}
	add.Set("csrf", token)
	if resp, _ := b.post("/admin/numbers/add", add, "Origin", "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a post from another site: %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.post("/admin/numbers/add", add, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site post: %d, want 403", resp.StatusCode)
	}
	if ns, _ := v.st.Numbers(context.Background(), store.NumberFilter{Status: "all"}); len(ns) != 0 {
		t.Fatalf("a refused post added %d numbers", len(ns))
	}
	if resp, _ := b.post("/admin/numbers/add", add, "Origin", v.srv.URL); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a post from the admin page: %d", resp.StatusCode)
	}
	signedOut := v.browser(t)
	if resp, _ := signedOut.post("/admin/numbers/retire", url.Values{"number": {"+447400123456"}, "csrf": {token}}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/login" {
		t.Errorf("signed out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n, _ := v.st.Number(context.Background(), "+447400123456"); n.Status != store.StatusActive {
		t.Errorf("a signed-out post retired the number")
	}
}

func TestActions(t *testing.T) {
	v := newEnv(t, Config{Password: "secret"})
	ctx := context.Background()
	b := v.browser(t)
	token := b.signIn("Mo", "secret")
	act := func(path string, form url.Values, want int) string {
		t.Helper()
		form.Set("csrf", token)
		resp, body := b.post(path, form)
		if resp.StatusCode != want {
			t.Fatalf("%s %v: %d, want %d: %s", path, form, resp.StatusCode, want, body)
		}
		if want == http.StatusSeeOther {
			_, body = b.get(resp.Header.Get("Location"))
		}
		return body
	}
	body := act("/admin/numbers/add", url.Values{"number": {"+44 7400 123456"}, "label": {"Front desk"}}, http.StatusSeeOther)
	if !strings.Contains(body, "Number +447400123456 is published.") || !strings.Contains(body, `data-testid="admin-number-447400123456"`) {
		t.Errorf("after adding: the page lacks the notice or the number")
	}
	n, err := v.st.Number(ctx, "+447400123456")
	if err != nil || n.Label != "Front desk" || n.Status != store.StatusActive {
		t.Fatalf("number %+v %v", n, err)
	}
	act("/admin/numbers/label", url.Values{"number": {"+447400123456"}, "label": {"Lobby"}}, http.StatusSeeOther)
	act("/admin/numbers/retire", url.Values{"number": {"+447400123456"}}, http.StatusSeeOther)
	if n, _ := v.st.Number(ctx, "+447400123456"); n.Status != store.StatusRetired || n.Label != "Lobby" {
		t.Errorf("after label and retire: %+v", n)
	}
	act("/admin/numbers/activate", url.Values{"number": {"+447400123456"}}, http.StatusSeeOther)
	if n, _ := v.st.Number(ctx, "+447400123456"); n.Status != store.StatusActive {
		t.Errorf("after reactivating: %+v", n)
	}
	body = act("/admin/numbers/add", url.Values{"number": {"not a number"}}, http.StatusBadRequest)
	if !strings.Contains(body, `data-testid="admin-error"`) {
		t.Error("a bad number shows no error")
	}
	act("/admin/numbers/retire", url.Values{"number": {"+447400999999"}}, http.StatusNotFound)

	res, err := v.st.Insert(ctx, store.Inbound{To: "+447400123456", From: "Spam Co", Body: "Call 0800 now", Source: "import"})
	if err != nil {
		t.Fatal(err)
	}
	act("/admin/messages/hide", url.Values{"message": {"https://sms.example.org/message/" + itoa(res.ID)}}, http.StatusBadRequest) // no reason
	act("/admin/messages/hide", url.Values{"message": {"https://sms.example.org/message/" + itoa(res.ID)}, "reason": {"personal data"}}, http.StatusSeeOther)
	if _, err := v.st.Message(ctx, res.ID); !store.IsNotFound(err) {
		t.Errorf("the hidden message is still shown: %v", err)
	}
	act("/admin/messages/hide", url.Values{"message": {"99999"}, "reason": {"x"}}, http.StatusNotFound)
	act("/admin/messages/hide", url.Values{"message": {"drop table"}, "reason": {"x"}}, http.StatusBadRequest)

	act("/admin/senders/block", url.Values{"sender": {"spam-co"}, "reason": {"spam"}}, http.StatusSeeOther)
	blocked, err := v.st.Insert(ctx, store.Inbound{To: "+447400123456", From: "Spam Co", Body: "Call 0800 again", Source: "import"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.st.Message(ctx, blocked.ID); !store.IsNotFound(err) {
		t.Errorf("a blocked sender's message is shown: %v", err)
	}
	// The sender's name as shown finds its key.
	body = act("/admin/senders/unblock", url.Values{"sender": {"Spam Co"}}, http.StatusSeeOther)
	act("/admin/senders/block", url.Values{"sender": {"nobody"}}, http.StatusNotFound)

	want := []struct{ action, target, reason string }{
		{"sender.unblock", "spam-co", ""},
		{"sender.block", "spam-co", "spam"},
		{"message.hide", itoa(res.ID), "personal data"},
		{"number.activate", "+447400123456", ""},
		{"number.retire", "+447400123456", ""},
		{"number.label", "+447400123456", "Lobby"},
		{"number.add", "+447400123456", "Front desk"},
	}
	log, _ := v.st.AuditLog(ctx, 20)
	for i, w := range want {
		if i >= len(log) || log[i].Action != w.action || log[i].Target != w.target || log[i].Reason != w.reason || log[i].Actor != "admin:Mo" {
			t.Errorf("audit entry %d: %+v, want %+v by admin:Mo", i, log[i], w)
		}
	}
	for _, w := range want {
		if !strings.Contains(body, w.action) {
			t.Errorf("the audit log on the page lacks %s", w.action)
		}
	}
	u, _ := url.Parse(v.srv.URL + "/admin")
	thief := v.browser(t)
	thief.c.Jar.SetCookies(u, b.c.Jar.Cookies(u))
	if resp, _ := thief.get("/admin"); resp.StatusCode != 200 {
		t.Fatalf("a copy of a live session's cookie: %d", resp.StatusCode)
	}
	resp, _ := b.post("/admin/logout", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign out: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/admin"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("/admin after signing out: %d", resp.StatusCode)
	}
	// A copy of the signed-out session's cookie is refused.
	if resp, _ := thief.get("/admin"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a copied cookie after sign-out: %d", resp.StatusCode)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

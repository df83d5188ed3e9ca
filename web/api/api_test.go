package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
	"smsinbox/web"
	"smsinbox/web/live"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

type env struct {
	st  *store.Store
	hub *live.Hub
	h   *Handlers
	e   *echo.Echo
	srv *httptest.Server
	dsn string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dsn := filepath.Join(t.TempDir(), "t.db")
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := live.New(st, 20*time.Millisecond, log)
	done := make(chan struct{})
	go func() { hub.Run(ctx); close(done) }()
	h := New(st, hub, Config{PublicURL: "https://sms.example.org"})
	site := web.New(st, hub, web.Config{PublicURL: "https://sms.example.org", Logger: log, Mount: []func(*echo.Echo){h.Register}})
	e := site.Echo()
	srv := httptest.NewUnstartedServer(site)
	srv.Config.WriteTimeout = 2 * time.Second // shorter than the waits of TestWaitOutlastsWriteTimeout
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		st.Close()
	})
	return &env{st: st, hub: hub, h: h, e: e, srv: srv, dsn: dsn}
}

// seed stores a small site: two GB numbers (one retired later), a DE
// number and a pending FR number, with messages from a few senders.
func (v *env) seed(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	for _, n := range []struct{ e164, label string }{{"+447400123456", "UK one"}, {"+447400123457", "UK two"}, {"+4915112345678", ""}} {
		if _, err := v.st.AddNumber(ctx, "test", n.e164, n.label); err != nil {
			t.Fatal(err)
		}
	}
	var ins []store.Inbound
	for i := 0; i < 12; i++ {
		at := t0.Add(time.Duration(i) * time.Minute)
		ins = append(ins, store.Inbound{To: "+447400123456", From: "WhatsApp", Body: fmt.Sprintf("Your WhatsApp code: %03d-%03d", 100+i, 200+i),
			ReceivedAt: at, SentAt: at.Add(-2 * time.Second), Source: "twilio", SourceID: fmt.Sprintf("SM%d", i)})
	}
	for i := 0; i < 5; i++ {
		at := t0.Add(time.Duration(i)*time.Minute + 30*time.Second)
		ins = append(ins, store.Inbound{To: "+4915112345678", From: "Google", Body: fmt.Sprintf("G-%d is your Google verification code.", 400000+i), ReceivedAt: at, Source: "import"})
	}
	ins = append(ins,
		store.Inbound{To: "+447400123457", From: "+49 176 1234 5678", Body: "Hello there, see you at 5", ReceivedAt: t0.Add(20 * time.Minute), Source: "import"},
		store.Inbound{To: "+33612345678", From: "Secret", Body: "Your code is 999999", ReceivedAt: t0.Add(21 * time.Minute), Source: "import"},
	)
	res, err := v.st.InsertBatch(ctx, ins)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("message %d: %v", i, r.Err)
		}
	}
	if err := v.st.RetireNumber(ctx, "test", "+447400123457"); err != nil {
		t.Fatal(err)
	}
}

func (v *env) get(t testing.TB, path string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(v.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

type msgList struct {
	Items []struct {
		MessageID  int64     `json:"message_id"`
		Number     string    `json:"number"`
		SenderKey  string    `json:"sender_key"`
		Body       string    `json:"body"`
		Code       string    `json:"code"`
		Template   string    `json:"template"`
		ReceivedAt time.Time `json:"received_at"`
	} `json:"items"`
	Next *string `json:"next"`
}

func (v *env) messages(t testing.TB, path string) msgList {
	t.Helper()
	status, _, body := v.get(t, path)
	if status != 200 {
		t.Fatalf("GET %s: status %d: %s", path, status, body)
	}
	var l msgList
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return l
}

func loadDoc(t testing.TB) doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal(OpenAPI, &d); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return d
}

func TestOpenAPIFilesEqual(t *testing.T) {
	docs, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(docs, OpenAPI) {
		t.Fatal("docs/openapi.json and web/api/openapi.json differ; copy one over the other")
	}
	loadDoc(t)
}

var pathParam = regexp.MustCompile(`:([a-z]+)`)

// TestEveryRouteDocumented checks that the description and the routes
// name the same paths.
func TestEveryRouteDocumented(t *testing.T) {
	v := newEnv(t)
	paths := loadDoc(t)["paths"].(map[string]any)
	routes := map[string]bool{}
	for _, r := range v.e.Routes() {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		p := pathParam.ReplaceAllString(strings.TrimPrefix(r.Path, "/api/v1"), "{$1}")
		routes[p] = true
		if _, ok := paths[p]; !ok {
			t.Errorf("route GET %s is not in openapi.json", r.Path)
		}
	}
	for p := range paths {
		if !routes[p] {
			t.Errorf("openapi.json describes %s, which no route serves", p)
		}
	}
}

// TestContract walks every documented path with the examples of its
// parameters, and with the errors it documents, and checks each answer
// against the description.
func TestContract(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	d := loadDoc(t)
	paths := d["paths"].(map[string]any)
	names := make([]string, 0, len(paths))
	for p := range paths {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		op := paths[p].(map[string]any)["get"].(map[string]any)
		responses := op["responses"].(map[string]any)
		var params []map[string]any
		if ps, ok := op["parameters"].([]any); ok {
			for _, x := range ps {
				params = append(params, d.resolve(x.(map[string]any)))
			}
		}
		build := func(override map[string]string, withExamples bool) string {
			path := p
			q := url.Values{}
			for _, prm := range params {
				name := prm["name"].(string)
				val, ok := override[name]
				if !ok {
					ex, has := prm["example"]
					if !has || (!withExamples && prm["in"] == "query" && prm["required"] != true) {
						continue
					}
					val = fmt.Sprint(ex)
				}
				if prm["in"] == "path" {
					path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(val))
				} else {
					q.Set(name, val)
				}
			}
			if len(q) > 0 {
				path += "?" + q.Encode()
			}
			return "/api/v1" + path
		}
		check := func(url string, want string) {
			t.Helper()
			status, hdr, body := v.get(t, url)
			if strconv.Itoa(status) != want {
				t.Errorf("GET %s: status %d, want %s: %s", url, status, want, body)
				return
			}
			if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("GET %s: Content-Type %q", url, ct)
			}
			r := d.resolve(responses[want].(map[string]any))
			schema := r["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
			var got any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Errorf("GET %s: not JSON: %v", url, err)
				return
			}
			for _, e := range d.check(schema, got, "$") {
				t.Errorf("GET %s: %s", url, e)
			}
			if want == "200" {
				if items, ok := got.(map[string]any)["items"].([]any); ok && len(items) == 0 {
					t.Errorf("GET %s: the example answers no items, so its items were not checked", url)
				}
			}
		}
		t.Run(strings.TrimPrefix(p, "/"), func(t *testing.T) {
			check(build(nil, false), "200")
			check(build(nil, true), "200")
			if _, ok := responses["404"]; ok {
				check(build(map[string]string{"digits": "999000111", "key": "no-such-sender"}, false), "404")
			}
			if _, ok := responses["400"]; ok {
				check(build(map[string]string{"limit": "0", "sort": "size", "status": "lost", "country": "gbr", "q": ""}, false)+"&unknown=1", "400")
			}
		})
	}
}

func TestNumbers(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	type numbers struct {
		Items []struct {
			Number, Status, Country, Label string
			Messages                       int64
		}
	}
	get := func(q string) numbers {
		var n numbers
		status, _, body := v.get(t, "/api/v1/numbers"+q)
		if status != 200 {
			t.Fatalf("%s: %d %s", q, status, body)
		}
		json.Unmarshal(body, &n)
		return n
	}
	all := get("")
	if got, want := len(all.Items), 3; got != want {
		t.Fatalf("numbers: %d, want %d (the pending one stays out)", got, want)
	}
	for _, n := range all.Items {
		if n.Number == "+33612345678" {
			t.Error("a pending number is listed")
		}
	}
	gb := get("?country=gb")
	if len(gb.Items) != 2 {
		t.Errorf("country=gb: %d numbers, want 2", len(gb.Items))
	}
	for _, n := range gb.Items {
		if n.Country != "GB" {
			t.Errorf("country=gb lists %s of %s", n.Number, n.Country)
		}
	}
	if r := get("?status=retired"); len(r.Items) != 1 || r.Items[0].Number != "+447400123457" {
		t.Errorf("status=retired: %+v", r.Items)
	}
	if a := get("?status=active&country=GB"); len(a.Items) != 1 || a.Items[0].Number != "+447400123456" || a.Items[0].Messages != 12 || a.Items[0].Label != "UK one" {
		t.Errorf("status=active&country=GB: %+v", a.Items)
	}
	for _, path := range []string{"/api/v1/numbers/447400123456", "/api/v1/numbers/+447400123456"} {
		status, _, body := v.get(t, path)
		if status != 200 || !strings.Contains(string(body), `"number":"+447400123456"`) {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
	if status, _, _ := v.get(t, "/api/v1/numbers/33612345678"); status != 404 {
		t.Errorf("a pending number: status %d, want 404", status)
	}
	if status, _, body := v.get(t, "/api/v1/numbers/447400123457"); status != 200 || !strings.Contains(string(body), `"status":"retired"`) {
		t.Errorf("a retired number: %d %s", status, body)
	}
}

// allMessages is every visible message in listing order, read from the
// store's export.
func (v *env) allMessages(t testing.TB, keep func(store.Message) bool) []int64 {
	var ms []store.Message
	if err := v.st.Export(context.Background(), false, func(m store.Message) error {
		if keep == nil || keep(m) {
			ms = append(ms, m)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	newestFirst(ms)
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func TestKeysetPages(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	cases := []struct {
		path string
		keep func(store.Message) bool
	}{
		{"/api/v1/messages", nil},
		{"/api/v1/numbers/447400123456/messages", func(m store.Message) bool { return m.Number == "+447400123456" }},
		{"/api/v1/numbers/4915112345678/messages?from=Google", func(m store.Message) bool { return m.SenderKey == "google" }},
		{"/api/v1/senders/whatsapp/messages", func(m store.Message) bool { return m.SenderKey == "whatsapp" }},
	}
	for _, tc := range cases {
		want := v.allMessages(t, tc.keep)
		if len(want) < 5 {
			t.Fatalf("%s: only %d messages seeded", tc.path, len(want))
		}
		var got []int64
		sep := "?"
		if strings.Contains(tc.path, "?") {
			sep = "&"
		}
		next := ""
		for pages := 0; pages < 50; pages++ {
			q := tc.path + sep + "limit=4"
			if next != "" {
				q += "&before=" + next
			}
			l := v.messages(t, q)
			for _, it := range l.Items {
				got = append(got, it.MessageID)
			}
			if l.Next == nil {
				break
			}
			next = *l.Next
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: pages give %v, want %v", tc.path, got, want)
		}
	}
	// after gives only later-stored messages.
	all := v.allMessages(t, nil)
	mid := all[len(all)/2]
	l := v.messages(t, "/api/v1/messages?limit=200&after="+strconv.FormatInt(mid, 10))
	for _, it := range l.Items {
		if it.MessageID <= mid {
			t.Errorf("after=%d answered message %d", mid, it.MessageID)
		}
	}
	var later int
	for _, id := range all {
		if id > mid {
			later++
		}
	}
	if len(l.Items) != later {
		t.Errorf("after=%d: %d messages, want %d", mid, len(l.Items), later)
	}
}

func TestMessageFields(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	l := v.messages(t, "/api/v1/numbers/447400123456/messages?limit=1")
	if len(l.Items) != 1 {
		t.Fatalf("no message")
	}
	m := l.Items[0]
	if m.Code != "111211" && m.Code != "111-211" {
		t.Errorf("code %q of %q", m.Code, m.Body)
	}
	if !strings.Contains(m.Template, "#") || strings.Contains(m.Template, "111") {
		t.Errorf("template %q", m.Template)
	}
	if !m.ReceivedAt.Equal(t0.Add(11 * time.Minute)) {
		t.Errorf("received_at %v", m.ReceivedAt)
	}
	_, _, body := v.get(t, "/api/v1/numbers/447400123456/messages?limit=1")
	for _, want := range []string{`"sent_at":"2026-11-20T10:10:58Z"`, `"id":"SM11"`, `"source":"twilio"`, `"url":"https://sms.example.org/message/`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("answer lacks %s: %s", want, body)
		}
	}
	// Unpublished messages never show.
	for _, it := range v.messages(t, "/api/v1/messages?limit=200").Items {
		if it.Number == "+33612345678" {
			t.Errorf("message %d of a pending number is listed", it.MessageID)
		}
	}
}

func TestSenders(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	type senders struct {
		Items []struct {
			Key      string
			Messages int64
			LastSeen time.Time `json:"last_seen"`
		}
		Next *string
	}
	get := func(q string) senders {
		var s senders
		status, _, body := v.get(t, "/api/v1/senders"+q)
		if status != 200 {
			t.Fatalf("%s: %d %s", q, status, body)
		}
		json.Unmarshal(body, &s)
		return s
	}
	busy := get("?sort=messages")
	var keys []string
	for _, s := range busy.Items {
		keys = append(keys, fmt.Sprintf("%s:%d", s.Key, s.Messages))
	}
	if got, want := strings.Join(keys, " "), "whatsapp:12 google:5 4917612345678:1"; got != want {
		t.Errorf("sort=messages: %s, want %s", got, want)
	}
	recent := get("")
	for i := 1; i < len(recent.Items); i++ {
		if recent.Items[i].LastSeen.After(recent.Items[i-1].LastSeen) {
			t.Errorf("sort=recent is not most recent first: %+v", recent.Items)
		}
	}
	// Keyset pages of one sender each walk the same listing.
	for _, sort := range []string{"recent", "messages"} {
		full := get("?sort=" + sort)
		var walked []string
		next := ""
		for i := 0; i < 10; i++ {
			q := "?limit=1&sort=" + sort
			if next != "" {
				q += "&before=" + url.QueryEscape(next)
			}
			p := get(q)
			for _, s := range p.Items {
				walked = append(walked, s.Key)
			}
			if p.Next == nil {
				break
			}
			next = *p.Next
		}
		var want []string
		for _, s := range full.Items {
			want = append(want, s.Key)
		}
		if fmt.Sprint(walked) != fmt.Sprint(want) {
			t.Errorf("sort=%s pages: %v, want %v", sort, walked, want)
		}
	}
	if q := get("?q=Whats"); len(q.Items) != 1 || q.Items[0].Key != "whatsapp" {
		t.Errorf("q=Whats: %+v", q.Items)
	}
	if status, _, _ := v.get(t, "/api/v1/senders?before=garbage"); status != 400 {
		t.Errorf("a bad cursor: status %d, want 400", status)
	}
}

func TestSenderProfile(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	status, _, body := v.get(t, "/api/v1/senders/WhatsApp")
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var p struct {
		Key      string
		Messages int64
		Formats  []struct {
			Template   string
			Messages   int64
			CodeLength int   `json:"code_length"`
			ExampleID  int64 `json:"example_id"`
		}
		Delivery *struct{ P50, P90 float64 } `json:"delivery_seconds"`
		Numbers  []string
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Key != "whatsapp" || p.Messages != 12 {
		t.Errorf("sender %s with %d messages", p.Key, p.Messages)
	}
	if len(p.Formats) == 0 || p.Formats[0].Messages != 12 || p.Formats[0].CodeLength != 6 || p.Formats[0].ExampleID == 0 {
		t.Errorf("formats: %+v", p.Formats)
	}
	if p.Delivery == nil || p.Delivery.P50 < 1 || p.Delivery.P50 > 3 {
		t.Errorf("delivery_seconds: %+v (messages took 2s)", p.Delivery)
	}
	if fmt.Sprint(p.Numbers) != "[+447400123456]" {
		t.Errorf("numbers: %v", p.Numbers)
	}
	// Network times unknown: no delivery_seconds.
	_, _, body = v.get(t, "/api/v1/senders/google")
	if strings.Contains(string(body), "delivery_seconds") {
		t.Errorf("google has no sent times but shows delivery_seconds: %s", body)
	}
}

func TestCountriesAndSearch(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	_, _, body := v.get(t, "/api/v1/countries")
	var cs struct {
		Items []struct {
			Code     string
			Numbers  int64
			Messages int64
		}
	}
	json.Unmarshal(body, &cs)
	got := fmt.Sprint(cs.Items)
	if want := "[{DE 1 5} {GB 1 13}]"; got != want {
		t.Errorf("countries: %s, want %s", got, want)
	}
	l := v.messages(t, "/api/v1/search?q=google+verification&limit=2")
	if len(l.Items) != 2 || l.Next == nil {
		t.Fatalf("search: %+v", l)
	}
	for _, it := range l.Items {
		if it.SenderKey != "google" {
			t.Errorf("search for google found %q", it.Body)
		}
	}
	rest := v.messages(t, "/api/v1/search?q=google+verification&limit=50&before="+*l.Next)
	if len(rest.Items) != 3 {
		t.Errorf("second search page: %d items, want 3", len(rest.Items))
	}
	if l := v.messages(t, "/api/v1/search?q="+url.QueryEscape(`"AND OR NEAR( *`)); len(l.Items) != 0 {
		t.Errorf("syntax characters found %d messages", len(l.Items))
	}
	if status, _, _ := v.get(t, "/api/v1/search?q=+"); status != 400 {
		t.Errorf("empty q: status %d, want 400", status)
	}
}

func TestErrors(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	cases := []struct {
		path   string
		status int
		code   string
	}{
		{"/api/v1/numbers/999000111", 404, "not_found"},
		{"/api/v1/numbers/abc", 404, "not_found"},
		{"/api/v1/senders/nobody", 404, "not_found"},
		{"/api/v1/senders/nobody/messages", 404, "not_found"},
		{"/api/v1/messages?limit=201", 400, "invalid"},
		{"/api/v1/messages?limit=x", 400, "invalid"},
		{"/api/v1/messages?before=-3", 400, "invalid"},
		{"/api/v1/messages?before=999999", 400, "invalid"},
		{"/api/v1/messages?wait=10s", 400, "invalid"},
		{"/api/v1/messages?after=1&wait=soon", 400, "invalid"},
		{"/api/v1/messages?after=1&wait=-1s", 400, "invalid"},
		{"/api/v1/messages?before=1&after=1&wait=1s", 400, "invalid"},
		{"/api/v1/messages?lmit=3", 400, "invalid"},
		{"/api/v1/numbers?country=united", 400, "invalid"},
		{"/api/v1/nothing", 404, "not_found"},
	}
	for _, tc := range cases {
		status, _, body := v.get(t, tc.path)
		var e struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal(body, &e)
		if status != tc.status || e.Error.Code != tc.code || e.Error.Message == "" {
			t.Errorf("%s: %d %s, want %d %s", tc.path, status, body, tc.status, tc.code)
		}
	}
}

func TestCORS(t *testing.T) {
	v := newEnv(t)
	_, hdr, _ := v.get(t, "/api/v1/messages")
	if got := hdr.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin %q", got)
	}
	req, _ := http.NewRequest(http.MethodOptions, v.srv.URL+"/api/v1/messages", nil)
	req.Header.Set("Origin", "https://other.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	status, hdr, body := v.get(t, "/api/v1/openapi.json")
	if status != 200 || !bytes.Equal(body, OpenAPI) || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Errorf("openapi.json: %d %s", status, hdr.Get("Content-Type"))
	}
}

// waitFor polls cond until it holds or ten seconds passed.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting until %s", what)
}

func TestWaitForCode(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	ctx := context.Background()
	last, _ := v.st.LastID(ctx)
	after := strconv.FormatInt(last, 10)

	type answer struct {
		l   msgList
		err error
	}
	ask := func(path string) <-chan answer {
		ch := make(chan answer, 1)
		go func() {
			resp, err := http.Get(v.srv.URL + path)
			if err != nil {
				ch <- answer{err: err}
				return
			}
			defer resp.Body.Close()
			var l msgList
			err = json.NewDecoder(resp.Body).Decode(&l)
			if resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			ch <- answer{l, err}
		}()
		return ch
	}
	byNumber := ask("/api/v1/numbers/447400123456/messages?from=whatsapp&wait=10s&after=" + after)
	bySender := ask("/api/v1/senders/whatsapp/messages?wait=10s&after=" + after)
	latest := ask("/api/v1/messages?wait=10s&after=" + after)
	newSender := ask("/api/v1/senders/telegram/messages?wait=10s&after=" + after)
	waitFor(t, "four requests wait", func() bool { return v.h.Waiting() == 4 })

	// Another sender's message to the number wakes only the listings it
	// belongs to.
	if _, err := v.st.Ingest(ctx, store.Inbound{To: "+447400123456", From: "Telegram", Body: "Telegram code: 55555", Source: "import"}); err != nil {
		t.Fatal(err)
	}
	a := <-latest
	if a.err != nil || len(a.l.Items) != 1 || a.l.Items[0].SenderKey != "telegram" {
		t.Fatalf("latest: %+v %v", a.l, a.err)
	}
	a = <-newSender
	if a.err != nil || len(a.l.Items) != 1 || a.l.Items[0].Code != "55555" {
		t.Fatalf("a new sender: %+v %v", a.l, a.err)
	}
	select {
	case a := <-byNumber:
		t.Fatalf("a Telegram message answered a request for WhatsApp: %+v", a)
	case <-time.After(100 * time.Millisecond):
	}
	start := time.Now()
	res, err := v.st.Ingest(ctx, store.Inbound{To: "+447400123456", From: "WhatsApp", Body: "Your WhatsApp code: 777-888", Source: "import"})
	if err != nil {
		t.Fatal(err)
	}
	for name, ch := range map[string]<-chan answer{"by number": byNumber, "by sender": bySender} {
		a := <-ch
		if a.err != nil || len(a.l.Items) != 1 || a.l.Items[0].MessageID != res.ID || a.l.Items[0].Code != "777888" {
			t.Errorf("%s: %+v %v", name, a.l, a.err)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("answers came after %v", d)
	}
	waitFor(t, "no request waits", func() bool { return v.h.Waiting() == 0 && v.hub.Subscribers() == 0 })

	// A message stored before the request comes is answered at once.
	a = <-ask("/api/v1/numbers/447400123456/messages?from=whatsapp&wait=10s&after=" + after)
	if a.err != nil || len(a.l.Items) != 1 || a.l.Items[0].MessageID != res.ID {
		t.Errorf("a stored message: %+v %v", a.l, a.err)
	}
	// Nothing comes: the wait ends with an empty list.
	start = time.Now()
	a = <-ask("/api/v1/numbers/447400123456/messages?wait=300ms&after=" + strconv.FormatInt(res.ID, 10))
	if a.err != nil || len(a.l.Items) != 0 || a.l.Next != nil {
		t.Errorf("an empty wait: %+v %v", a.l, a.err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("the wait ended after %v, before 300ms", d)
	}
}

// TestWaitOtherProcess stores the message through a second store on the
// same database file, as `smsinbox modem` in its own process does: the
// waiting request learns of it from the hub's poll.
func TestWaitOtherProcess(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	other, err := store.Open(context.Background(), v.dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	last, _ := v.st.LastID(context.Background())
	done := make(chan msgList, 1)
	go func() {
		done <- v.messages(t, "/api/v1/numbers/4915112345678/messages?wait=10s&after="+strconv.FormatInt(last, 10))
	}()
	waitFor(t, "the request waits", func() bool { return v.h.Waiting() == 1 })
	res, err := other.Insert(context.Background(), store.Inbound{To: "+4915112345678", From: "Google", Body: "G-424242 is your Google verification code.", Source: "modem:/dev/ttyUSB0"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-done:
		if len(l.Items) != 1 || l.Items[0].MessageID != res.ID {
			t.Errorf("answer %+v, want message %d", l, res.ID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting request was not answered")
	}
}

// TestWaitManyClients has hundreds of requests wait on one number and
// checks that one message answers them all.
func TestWaitManyClients(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	const clients = 300
	last, _ := v.st.LastID(context.Background())
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // runs before the server closes
	var wg sync.WaitGroup
	got := make(chan int64, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, v.srv.URL+"/api/v1/numbers/447400123456/messages?wait=20s&after="+strconv.FormatInt(last, 10), nil)
			resp, err := cl.Do(req)
			if err != nil {
				if ctx.Err() == nil {
					t.Error(err)
				}
				return
			}
			defer resp.Body.Close()
			var l msgList
			json.NewDecoder(resp.Body).Decode(&l)
			if len(l.Items) == 1 {
				got <- l.Items[0].MessageID
			}
		}()
	}
	waitFor(t, "every request waits", func() bool { return v.h.Waiting() == clients })
	res, err := v.st.Ingest(context.Background(), store.Inbound{To: "+447400123456", From: "WhatsApp", Body: "Your WhatsApp code: 314-159", Source: "import"})
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(got)
	n := 0
	for id := range got {
		if id != res.ID {
			t.Errorf("answered message %d, want %d", id, res.ID)
		}
		n++
	}
	if n != clients {
		t.Errorf("%d of %d waiting requests got the message", n, clients)
	}
}

// TestWaitOutlastsWriteTimeout waits longer than the server's write
// timeout: the answer must still come.
func TestWaitOutlastsWriteTimeout(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	last, _ := v.st.LastID(context.Background())
	start := time.Now()
	l := v.messages(t, "/api/v1/messages?wait=2500ms&after="+strconv.FormatInt(last, 10))
	if len(l.Items) != 0 || time.Since(start) < 2500*time.Millisecond {
		t.Errorf("answer %+v after %v", l, time.Since(start))
	}
}

// TestWaitEndsOnStop closes Config.Stop, as serve does when it begins to
// stop: a waiting request answers at once with an empty list instead of
// holding the shutdown for the rest of its wait.
func TestWaitEndsOnStop(t *testing.T) {
	v := newEnv(t)
	v.seed(t)
	stop := make(chan struct{})
	h := New(v.st, v.hub, Config{Stop: stop})
	e := echo.New()
	h.Register(e)
	srv := httptest.NewServer(e)
	defer srv.Close()
	last, _ := v.st.LastID(context.Background())
	type answer struct {
		code  int
		items int
		err   error
	}
	done := make(chan answer, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/api/v1/messages?wait=30s&after=" + strconv.FormatInt(last, 10))
		if err != nil {
			done <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		var l msgList
		err = json.NewDecoder(resp.Body).Decode(&l)
		done <- answer{resp.StatusCode, len(l.Items), err}
	}()
	waitFor(t, "the request waits", func() bool { return h.Waiting() == 1 })
	close(stop)
	select {
	case a := <-done:
		if a.err != nil || a.code != http.StatusOK || a.items != 0 {
			t.Errorf("answer: status %d, %d items, %v; want 200 with no items", a.code, a.items, a.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting request was not answered after Stop closed")
	}
}

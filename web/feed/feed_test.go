package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/mmcdole/gofeed"

	"smsinbox/store"
)

const publicURL = "https://sms.example.org"

// clock is a settable time source shared by the store and the feeds.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t     *testing.T
	st    *store.Store
	e     *echo.Echo
	srv   *httptest.Server
	clock *clock
	sent  []sent // every stored message, in storing order
}

// sent is what a test stored, kept to compute expected listings.
type sent struct {
	id int64
	in store.Inbound
}

func newFixture(t *testing.T, gzipped bool) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "t.db"), store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := echo.New()
	if gzipped {
		e.Use(middleware.Gzip())
	}
	New(st, Config{PublicURL: publicURL + "/", Now: clk.Now}).Register(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &fixture{t: t, st: st, e: e, srv: srv, clock: clk}
}

func (f *fixture) addNumber(e164, label string) {
	f.t.Helper()
	if _, err := f.st.AddNumber(context.Background(), "test", e164, label); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) insert(in store.Inbound) int64 {
	f.t.Helper()
	res, err := f.st.Insert(context.Background(), in)
	if err != nil {
		f.t.Fatalf("insert %q: %v", in.Body, err)
	}
	f.sent = append(f.sent, sent{id: res.ID, in: in})
	return res.ID
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (f *fixture) get(path string, header ...string) response {
	return f.do(http.MethodGet, path, header...)
}

func (f *fixture) do(method, path string, header ...string) response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

func parse(t *testing.T, body []byte) *gofeed.Feed {
	t.Helper()
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, body)
	}
	return feed
}

// expected lists the stored messages a scope shows, newest first by
// received time, ties by id.
func (f *fixture) expected(keep func(store.Inbound) bool) []sent {
	var out []sent
	for _, s := range f.sent {
		if keep(s.in) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].in.ReceivedAt, out[j].in.ReceivedAt
		if !a.Equal(b) {
			return a.After(b)
		}
		return out[i].id > out[j].id
	})
	return out
}

func messageURL(id int64) string { return publicURL + "/message/" + strconv.FormatInt(id, 10) }

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// seed stores a small data set over two British numbers and a German one.
func seed(f *fixture) {
	f.addNumber("+447400123456", "Main line")
	f.addNumber("+447400123457", "")
	f.addNumber("+4915123456789", "")
	f.insert(store.Inbound{To: "+447400123456", From: "WhatsApp", Body: "Your WhatsApp code: 123-456",
		SentAt: t0, ReceivedAt: t0.Add(2 * time.Second), Source: "test", SourceID: "1"})
	f.insert(store.Inbound{To: "+447400123456", From: "Google", Body: "G-482913 is your Google verification code.",
		ReceivedAt: t0.Add(time.Minute), Source: "test", SourceID: "2"})
	f.insert(store.Inbound{To: "+4915123456789", From: "WhatsApp", Body: "Dein WhatsApp-Code: 654-321",
		SentAt: t0.Add(2 * time.Minute), ReceivedAt: t0.Add(2*time.Minute + 5*time.Second), Source: "test", SourceID: "3"})
	f.insert(store.Inbound{To: "+447400123457", From: "WhatsApp", Body: "Your WhatsApp code: 777-888",
		SentAt: t0.Add(3 * time.Minute), ReceivedAt: t0.Add(3*time.Minute + time.Second), Source: "test", SourceID: "4"})
	// Stored last but received first: listings go by received time.
	f.insert(store.Inbound{To: "+447400123456", From: "WhatsApp", Body: "Your WhatsApp code: 111-222",
		SentAt: t0.Add(-time.Hour), ReceivedAt: t0.Add(-time.Hour + time.Second), Source: "test", SourceID: "5"})
}

func TestFeeds(t *testing.T) {
	f := newFixture(t, false)
	seed(f)
	all := func(store.Inbound) bool { return true }
	scopes := []struct {
		name, path, page, title string
		keep                    func(store.Inbound) bool
	}{
		{"site", "", "/", "Public SMS inbox at sms.example.org", all},
		{"number", "/number/447400123456", "/number/447400123456", "SMS received by +44 7400 123456",
			func(in store.Inbound) bool { return in.To == "+447400123456" }},
		{"sender", "/sender/whatsapp", "/sender/whatsapp", "SMS from WhatsApp",
			func(in store.Inbound) bool { return in.From == "WhatsApp" }},
		{"country", "/country/gb", "/country/gb", "SMS received in United Kingdom",
			func(in store.Inbound) bool { return strings.HasPrefix(in.To, "+44") }},
	}
	kinds := []struct {
		suffix, contentType, feedType, version string
	}{
		{"rss", "application/rss+xml; charset=utf-8", "rss", "2.0"},
		{"atom", "application/atom+xml; charset=utf-8", "atom", "1.0"},
		{"feed.json", "application/feed+json; charset=utf-8", "json", "https://jsonfeed.org/version/1.1"},
	}
	for _, sc := range scopes {
		for _, k := range kinds {
			t.Run(sc.name+"/"+k.suffix, func(t *testing.T) {
				path := sc.path + "/" + k.suffix
				r := f.get(path)
				if r.status != http.StatusOK {
					t.Fatalf("GET %s: status %d: %s", path, r.status, r.body)
				}
				if got := r.header.Get("Content-Type"); got != k.contentType {
					t.Errorf("Content-Type = %q, want %q", got, k.contentType)
				}
				feed := parse(t, r.body)
				if feed.FeedType != k.feedType || feed.FeedVersion != k.version {
					t.Errorf("feed type %s %s, want %s %s", feed.FeedType, feed.FeedVersion, k.feedType, k.version)
				}
				if feed.Title != sc.title {
					t.Errorf("title = %q, want %q", feed.Title, sc.title)
				}
				if feed.Link != publicURL+sc.page {
					t.Errorf("link = %q, want %q", feed.Link, publicURL+sc.page)
				}
				if feed.FeedLink != publicURL+path {
					t.Errorf("self link = %q, want %q", feed.FeedLink, publicURL+path)
				}
				if feed.Language != "en" {
					t.Errorf("language = %q, want en", feed.Language)
				}
				if feed.Description == "" {
					t.Error("the feed has no description")
				}
				want := f.expected(sc.keep)
				if len(feed.Items) != len(want) {
					t.Fatalf("%d items, want %d", len(feed.Items), len(want))
				}
				var newest time.Time
				for i, it := range feed.Items {
					w := want[i]
					if it.GUID != messageURL(w.id) {
						t.Errorf("item %d: id %q, want %q", i, it.GUID, messageURL(w.id))
					}
					if it.Link != messageURL(w.id) {
						t.Errorf("item %d: link %q, want %q", i, it.Link, messageURL(w.id))
					}
					number := map[string]string{"+447400123456": "+44 7400 123456", "+447400123457": "+44 7400 123457", "+4915123456789": "+49 1512 3456789"}[w.in.To]
					if wantTitle := w.in.From + " → " + number; it.Title != wantTitle {
						t.Errorf("item %d: title %q, want %q", i, it.Title, wantTitle)
					}
					at := w.in.SentAt
					if at.IsZero() {
						at = w.in.ReceivedAt
					}
					if it.PublishedParsed == nil || !it.PublishedParsed.Equal(at) {
						t.Errorf("item %d: published %v (%q), want %v", i, it.PublishedParsed, it.Published, at)
					}
					if at.After(newest) {
						newest = at
					}
					stored, err := f.st.Message(context.Background(), w.id)
					if err != nil {
						t.Fatal(err)
					}
					if stored.Code != "" && !strings.Contains(it.Content, "Code: <strong>"+stored.Code+"</strong>") {
						t.Errorf("item %d: content lacks the code %q: %s", i, stored.Code, it.Content)
					}
					if !strings.Contains(it.Content, w.in.Body) {
						t.Errorf("item %d: content %q lacks the body %q", i, it.Content, w.in.Body)
					}
					for _, link := range []string{publicURL + "/sender/" + strings.ToLower(w.in.From), publicURL + "/number/" + w.in.To[1:]} {
						if !strings.Contains(it.Content, `href="`+link+`"`) {
							t.Errorf("item %d: content lacks a link to %s: %s", i, link, it.Content)
						}
					}
				}
				switch k.feedType {
				case "rss":
					checkRSSDates(t, r.body)
					if feed.UpdatedParsed == nil || !feed.UpdatedParsed.Equal(newest) {
						t.Errorf("updated = %v, want the newest item's %v", feed.UpdatedParsed, newest)
					}
				case "atom":
					if feed.UpdatedParsed == nil || !feed.UpdatedParsed.Equal(newest) || !strings.HasSuffix(feed.Updated, "Z") {
						t.Errorf("updated = %q, want the newest item's %v in UTC", feed.Updated, newest)
					}
					for _, it := range feed.Items {
						if !strings.HasSuffix(it.Published, "Z") || !strings.HasSuffix(it.Updated, "Z") {
							t.Errorf("dates not in UTC: %q %q", it.Published, it.Updated)
						}
					}
				case "json":
					checkJSONFeed(t, f.st, r.body, want)
				}
			})
		}
	}
}

// checkRSSDates reads the raw RSS for its date format: RFC 822 with a
// numeric zone, in UTC.
func checkRSSDates(t *testing.T, body []byte) {
	t.Helper()
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range feed.Items {
		if _, err := time.Parse(time.RFC1123Z, it.Published); err != nil || !strings.HasSuffix(it.Published, "+0000") {
			t.Errorf("pubDate %q is not RFC 822 in UTC", it.Published)
		}
	}
	if !bytes.Contains(body, []byte(`<atom:link href=`)) || !bytes.Contains(body, []byte(`rel="self"`)) {
		t.Errorf("the channel lacks its atom:link rel=self")
	}
}

type rawJSONFeed struct {
	Version  string `json:"version"`
	Language string `json:"language"`
	FeedURL  string `json:"feed_url"`
	Authors  []struct {
		Name string `json:"name"`
	} `json:"authors"`
	Items []struct {
		ID            string `json:"id"`
		ContentText   string `json:"content_text"`
		DatePublished string `json:"date_published"`
		Ext           struct {
			MessageID int64  `json:"message_id"`
			Code      string `json:"code"`
			SenderKey string `json:"sender_key"`
			Number    string `json:"number"`
		} `json:"_smsinbox"`
	} `json:"items"`
}

func decodeJSONFeed(t *testing.T, body []byte) rawJSONFeed {
	t.Helper()
	var doc rawJSONFeed
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("the JSON feed does not decode: %v", err)
	}
	return doc
}

func checkJSONFeed(t *testing.T, st *store.Store, body []byte, want []sent) {
	t.Helper()
	doc := decodeJSONFeed(t, body)
	if doc.Version != "https://jsonfeed.org/version/1.1" || doc.Language != "en" || len(doc.Authors) == 0 || doc.Authors[0].Name == "" {
		t.Errorf("JSON Feed head: version %q, language %q, authors %v", doc.Version, doc.Language, doc.Authors)
	}
	for i, it := range doc.Items {
		if it.ContentText != want[i].in.Body {
			t.Errorf("item %d: content_text %q, want %q", i, it.ContentText, want[i].in.Body)
		}
		if !strings.HasSuffix(it.DatePublished, "Z") {
			t.Errorf("item %d: date_published %q not in UTC", i, it.DatePublished)
		}
		if it.Ext.MessageID != want[i].id || it.Ext.Number != want[i].in.To {
			t.Errorf("item %d: extension %+v, want message %d to %s", i, it.Ext, want[i].id, want[i].in.To)
		}
		stored, err := st.Message(context.Background(), want[i].id)
		if err != nil {
			t.Fatal(err)
		}
		if it.Ext.Code != stored.Code || it.Ext.SenderKey != stored.SenderKey {
			t.Errorf("item %d: code %q sender %q, want %q %q", i, it.Ext.Code, it.Ext.SenderKey, stored.Code, stored.SenderKey)
		}
	}
}

// xmlExpect is what an XML feed can carry of a stored body: characters
// XML 1.0 forbids become U+FFFD.
func xmlExpect(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r != 0xfffe && r != 0xffff) {
			return r
		}
		return '\uFFFD'
	}, s)
}

func TestFeedHostileBodies(t *testing.T) {
	f := newFixture(t, false)
	f.addNumber("+447400123456", "")
	bodies := []string{
		`<script>alert("x")</script><b>bold</b> & <a href="javascript:alert(1)">link</a>`,
		`end ]]> of cdata <![CDATA[ again ]]>`,
		"bell\x07 escape\x1b[31m red\x1b[0m form\x0c feed\x01\x02 and\u0085next",
		"broken \xff\xfe utf-8 \xc3",
		"emoji 🔐 code 🇬🇧 👨‍👩‍👧 in text",
		"rtl \u202egnp.exe\u202c and \u2067isolate\u2069 مرحبا 123456",
		"line one\nline two\r\nline three\rline four\ttabbed",
		`&amp; &lt;already&gt; &#x41; entities`,
		"   spaces   kept   ",
	}
	ids := map[int64]string{}
	for i, b := range bodies {
		id := f.insert(store.Inbound{To: "+447400123456", From: "Evil <Sender> \u202eX", Body: b,
			ReceivedAt: t0.Add(time.Duration(i) * time.Second), Source: "test", SourceID: "h" + strconv.Itoa(i)})
		ids[id] = strings.ToValidUTF8(b, "\uFFFD")
	}
	for _, suffix := range []string{"rss", "atom", "feed.json"} {
		t.Run(suffix, func(t *testing.T) {
			r := f.get("/number/447400123456/" + suffix)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			feed := parse(t, r.body)
			if len(feed.Items) != len(bodies) {
				t.Fatalf("%d items, want %d", len(feed.Items), len(bodies))
			}
			var doc rawJSONFeed
			if suffix == "feed.json" {
				doc = decodeJSONFeed(t, r.body)
			}
			for i, it := range feed.Items {
				id, _ := strconv.ParseInt(strings.TrimPrefix(it.GUID, publicURL+"/message/"), 10, 64)
				body, ok := ids[id]
				if !ok {
					t.Fatalf("unknown item id %q", it.GUID)
				}
				var got, want string
				switch suffix {
				case "rss":
					got = html.UnescapeString(strings.ReplaceAll(it.Description, "<br>\n", "\n"))
					want = xmlExpect(body)
				case "atom":
					got, want = it.Description, xmlExpect(body)
				default:
					got, want = doc.Items[i].ContentText, body
				}
				if suffix != "feed.json" {
					// XML readers trim the whitespace around text.
					got, want = strings.TrimSpace(got), strings.TrimSpace(want)
				}
				if got != want {
					t.Errorf("message %d came out as %q, want %q", id, got, want)
				}
				if strings.Contains(it.Content, "<script") || strings.Contains(it.Content, "<b>") || strings.Contains(it.Content, "javascript:") && strings.Contains(it.Content, `<a href="javascript`) {
					t.Errorf("message %d: the body became markup: %s", id, it.Content)
				}
				if strings.ContainsAny(it.Title, "\u202e\u202c\u2067\u2069<>") && !strings.Contains(it.Title, "<Sender>") {
					t.Errorf("title %q keeps bidi controls", it.Title)
				}
				if strings.ContainsRune(it.Title, '\u202e') {
					t.Errorf("title %q keeps a right-to-left override", it.Title)
				}
			}
		})
	}
}

func TestFeedLimits(t *testing.T) {
	f := newFixture(t, false)
	f.addNumber("+447400123456", "")
	batch := make([]store.Inbound, 230)
	for i := range batch {
		batch[i] = store.Inbound{To: "+447400123456", From: "Bulk", Body: "Code " + strconv.Itoa(100000+i),
			ReceivedAt: t0.Add(time.Duration(i) * time.Second), Source: "test", SourceID: "b" + strconv.Itoa(i)}
	}
	if _, err := f.st.InsertBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"", 50}, {"?limit=1", 1}, {"?limit=7", 7}, {"?limit=200", 200}, {"?limit=%20200", 200},
	} {
		for _, suffix := range []string{"rss", "atom", "feed.json"} {
			r := f.get("/sender/bulk/" + suffix + tc.query)
			if r.status != http.StatusOK {
				t.Fatalf("%s%s: status %d", suffix, tc.query, r.status)
			}
			feed := parse(t, r.body)
			if len(feed.Items) != tc.want {
				t.Errorf("%s%s: %d items, want %d", suffix, tc.query, len(feed.Items), tc.want)
			}
			if len(feed.Items) > 0 && feed.Items[0].Title != "Bulk → +44 7400 123456" {
				t.Errorf("first item %q", feed.Items[0].Title)
			}
			if first := feed.Items[0].Content; !strings.Contains(first, "Code 100229") {
				t.Errorf("%s%s: the newest message is not first: %s", suffix, tc.query, first)
			}
		}
	}
	for _, q := range []string{"?limit=0", "?limit=201", "?limit=-1", "?limit=abc", "?limit=", "?limit=1.5", "?limit=99999999999999999999"} {
		if r := f.get("/sender/bulk/rss" + q); r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, r.status)
		}
	}
	// A feed of limit 7 names itself with its limit.
	r := f.get("/sender/bulk/atom?limit=7")
	if feed := parse(t, r.body); feed.FeedLink != publicURL+"/sender/bulk/atom?limit=7" {
		t.Errorf("self link %q", feed.FeedLink)
	}
}

func TestFeedConditional(t *testing.T) {
	f := newFixture(t, false)
	seed(f)
	for _, path := range []string{"/number/447400123456/rss", "/sender/whatsapp/atom", "/country/gb/feed.json", "/feed.json", "/rss"} {
		t.Run(path, func(t *testing.T) {
			r := f.get(path)
			etag, modified := r.header.Get("ETag"), r.header.Get("Last-Modified")
			if r.status != http.StatusOK || etag == "" || modified == "" {
				t.Fatalf("status %d, ETag %q, Last-Modified %q", r.status, etag, modified)
			}
			if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "max-age=60") {
				t.Errorf("Cache-Control = %q", cc)
			}
			r2 := f.get(path, "If-None-Match", etag)
			if r2.status != http.StatusNotModified || len(r2.body) != 0 || r2.header.Get("ETag") != etag {
				t.Errorf("If-None-Match: status %d, %d bytes, ETag %q", r2.status, len(r2.body), r2.header.Get("ETag"))
			}
			if r2 := f.get(path, "If-None-Match", `"other", `+etag); r2.status != http.StatusNotModified {
				t.Errorf("If-None-Match with a list: status %d", r2.status)
			}
			if r2 := f.get(path, "If-Modified-Since", modified); r2.status != http.StatusNotModified {
				t.Errorf("If-Modified-Since: status %d", r2.status)
			}
			mod, err := http.ParseTime(modified)
			if err != nil {
				t.Fatal(err)
			}
			if r2 := f.get(path, "If-Modified-Since", mod.Add(-time.Second).Format(http.TimeFormat)); r2.status != http.StatusOK {
				t.Errorf("If-Modified-Since before the change: status %d", r2.status)
			}
			if r2 := f.get(path, "If-None-Match", `W/"stale"`, "If-Modified-Since", modified); r2.status != http.StatusOK {
				t.Errorf("a stale ETag with a current date: status %d, want 200 (If-None-Match wins)", r2.status)
			}
			if r2 := f.get(path); !bytes.Equal(r2.body, r.body) || r2.header.Get("ETag") != etag {
				t.Errorf("a second fetch differs from the first")
			}
		})
	}

	// The validators differ between formats and limits.
	tags := map[string]string{}
	for _, p := range []string{"/rss", "/atom", "/feed.json", "/rss?limit=2", "/number/447400123456/rss"} {
		tag := f.get(p).header.Get("ETag")
		if other, ok := tags[tag]; ok {
			t.Errorf("%s and %s share the ETag %s", p, other, tag)
		}
		tags[tag] = p
	}

	// A new message changes the feed and both validators.
	path := "/number/447400123456/rss"
	before := f.get(path)
	f.clock.Advance(10 * time.Second)
	id := f.insert(store.Inbound{To: "+447400123456", From: "Telegram", Body: "Telegram code 55555",
		ReceivedAt: f.clock.Now(), Source: "test", SourceID: "new"})
	after := f.get(path, "If-None-Match", before.header.Get("ETag"))
	if after.status != http.StatusOK {
		t.Fatalf("after a new message: status %d, want 200", after.status)
	}
	if feed := parse(t, after.body); feed.Items[0].GUID != messageURL(id) {
		t.Errorf("the new message is not first: %s", feed.Items[0].GUID)
	}
	if r := f.get(path, "If-Modified-Since", before.header.Get("Last-Modified")); r.status != http.StatusOK {
		t.Errorf("If-Modified-Since after a new message: status %d", r.status)
	}

	// Hiding a message that is not the newest changes the feed too.
	f.clock.Advance(10 * time.Second)
	if err := f.st.HideMessage(context.Background(), "test", f.sent[1].id, "test"); err != nil {
		t.Fatal(err)
	}
	hidden := f.get(path, "If-None-Match", after.header.Get("ETag"))
	if hidden.status != http.StatusOK {
		t.Fatalf("after hiding a message: status %d, want 200", hidden.status)
	}
	if bytes.Contains(hidden.body, []byte(messageURL(f.sent[1].id)+"<")) {
		t.Errorf("the hidden message is still in the feed")
	}
	if r := f.get(path, "If-Modified-Since", after.header.Get("Last-Modified")); r.status != http.StatusOK {
		t.Errorf("If-Modified-Since after hiding: status %d", r.status)
	}
}

func TestFeedNotFound(t *testing.T) {
	f := newFixture(t, false)
	seed(f)
	// A number that received a message but was never added stays pending.
	f.insert(store.Inbound{To: "+447400999999", From: "WhatsApp", Body: "Your WhatsApp code: 000-111", Source: "test", SourceID: "p"})
	f.addNumber("+33612345678", "") // France, no messages yet: found, empty
	for _, path := range []string{
		"/number/447400000000/rss", "/number/447400999999/atom", "/number/abc/feed.json", "/number/4474001234561234567/rss",
		"/sender/nobody/rss", "/sender/%FF/atom", "/country/zz/rss", "/country/us/atom", "/country/gbr/feed.json", "/country/1a/rss",
	} {
		if r := f.get(path); r.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, r.status)
		}
	}
	// A sender whose only message went to a pending number is not public.
	f.insert(store.Inbound{To: "+447400999999", From: "Secret", Body: "hidden", Source: "test", SourceID: "q"})
	if r := f.get("/sender/secret/rss"); r.status != http.StatusNotFound {
		t.Errorf("a sender with only unpublished messages: status %d, want 404", r.status)
	}
	// An added number with no messages has an empty, valid feed.
	for _, suffix := range []string{"rss", "atom", "feed.json"} {
		r := f.get("/number/33612345678/" + suffix)
		if r.status != http.StatusOK {
			t.Fatalf("empty feed: status %d", r.status)
		}
		if feed := parse(t, r.body); len(feed.Items) != 0 {
			t.Errorf("empty feed has %d items", len(feed.Items))
		}
		if suffix == "feed.json" && !bytes.Contains(r.body, []byte(`"items": []`)) {
			t.Errorf("an empty JSON Feed lacks its items array: %s", r.body)
		}
	}
	if r := f.get("/country/fr/rss"); r.status != http.StatusOK {
		t.Errorf("a country whose number has no messages yet: status %d", r.status)
	}
}

func TestFeedRetiredNumber(t *testing.T) {
	f := newFixture(t, false)
	seed(f)
	if err := f.st.RetireNumber(context.Background(), "test", "+447400123457"); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"rss", "atom", "feed.json"} {
		r := f.get("/number/447400123457/" + suffix)
		if r.status != http.StatusOK {
			t.Fatalf("retired number feed: status %d", r.status)
		}
		feed := parse(t, r.body)
		if len(feed.Items) != 1 || !strings.Contains(feed.Items[0].Content, "777-888") {
			t.Errorf("retired number feed lost its items: %d", len(feed.Items))
		}
		if !strings.Contains(feed.Description, "retired") {
			t.Errorf("description %q does not say the number is retired", feed.Description)
		}
	}
	// Its messages stay in the country and site feeds.
	if feed := parse(t, f.get("/country/gb/atom").body); len(feed.Items) != 4 {
		t.Errorf("country feed has %d items, want 4", len(feed.Items))
	}
}

func TestFeedGzipAndHead(t *testing.T) {
	f := newFixture(t, true)
	seed(f)
	path := "/sender/whatsapp/rss"
	r := f.get(path, "Accept-Encoding", "gzip")
	if r.status != http.StatusOK || r.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q", r.status, r.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if feed := parse(t, plain); len(feed.Items) != 4 {
		t.Errorf("gzipped feed has %d items, want 4", len(feed.Items))
	}
	if got := r.header.Get("Content-Type"); got != "application/rss+xml; charset=utf-8" {
		t.Errorf("Content-Type under gzip = %q", got)
	}
	nm := f.get(path, "Accept-Encoding", "gzip", "If-None-Match", r.header.Get("ETag"))
	if nm.status != http.StatusNotModified || len(nm.body) != 0 || nm.header.Get("Content-Encoding") != "" {
		t.Errorf("304 under gzip: status %d, %d bytes, Content-Encoding %q", nm.status, len(nm.body), nm.header.Get("Content-Encoding"))
	}
	head := f.do(http.MethodHead, path)
	if head.status != http.StatusOK || len(head.body) != 0 || head.header.Get("ETag") != r.header.Get("ETag") {
		t.Errorf("HEAD: status %d, %d bytes, ETag %q", head.status, len(head.body), head.header.Get("ETag"))
	}
}

func TestFeedRouteNames(t *testing.T) {
	f := newFixture(t, false)
	for name, want := range map[string]string{
		"feed.number.rss":   "/number/447400123456/rss",
		"feed.sender.atom":  "/sender/447400123456/atom",
		"feed.country.json": "/country/447400123456/feed.json",
		"feed.site.rss":     "/rss",
	} {
		if got := f.e.Reverse(name, "447400123456"); got != want {
			t.Errorf("Reverse(%s) = %q, want %q", name, got, want)
		}
	}
	if got := f.e.Reverse("feed.site.json"); got != "/feed.json" {
		t.Errorf("Reverse(feed.site.json) = %q", got)
	}
}

func TestFeedConcurrentWrites(t *testing.T) {
	f := newFixture(t, true)
	f.addNumber("+447400123456", "")
	const writes = 40
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			etag := ""
			for i := 0; i < 25; i++ {
				r := f.get("/sender/poller/feed.json", "If-None-Match", etag)
				if r.status == http.StatusOK {
					etag = r.header.Get("ETag")
				} else if r.status != http.StatusNotModified && r.status != http.StatusNotFound {
					t.Errorf("status %d", r.status)
					return
				}
			}
		}()
	}
	for i := 0; i < writes; i++ {
		if _, err := f.st.Ingest(context.Background(), store.Inbound{To: "+447400123456", From: "Poller", Body: "code " + strconv.Itoa(1000+i),
			ReceivedAt: t0.Add(time.Duration(i) * time.Second), Source: "test", SourceID: "c" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	// Every stored message shows at once: this process's commits end the
	// reuse of validators.
	feed := parse(t, f.get("/sender/poller/feed.json").body)
	if len(feed.Items) != writes {
		t.Errorf("%d items after %d writes", len(feed.Items), writes)
	}
}

func TestFeedAdminChangeShowsWithinASecond(t *testing.T) {
	f := newFixture(t, false)
	seed(f)
	path := "/sender/whatsapp/atom"
	first := f.get(path)
	if err := f.st.HideMessage(context.Background(), "test", f.sent[0].id, "test"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(memoTTL)
	r := f.get(path, "If-None-Match", first.header.Get("ETag"))
	if r.status != http.StatusOK {
		t.Fatalf("a hidden message still answers 304 after %v", memoTTL)
	}
	if feed := parse(t, r.body); len(feed.Items) != 3 {
		t.Errorf("%d items after hiding one of 4", len(feed.Items))
	}
}

package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"smsinbox/store"
	"smsinbox/templates"
)

// hostileBodies are message bodies written to break out of the page.
var hostileBodies = []string{
	`<script>alert(1)</script>`,
	`"><script>alert(1)</script>`,
	`'><img src=x onerror=alert(1)>`,
	`<img src=x onerror=alert(1)//`,
	`<svg onload=alert(1)>`,
	`<svg><script>alert(1)</script></svg>`,
	`javascript:alert(1)`,
	`Click javascript:alert(document.cookie) now`,
	`<a href="javascript:alert(1)">tap</a>`,
	`https://evil.example/"onmouseover="alert(1)`,
	`http://x.example/<script>alert(1)</script>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<style>body{display:none}</style>`,
	`<body onload=alert(1)>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<!--<img src=x onerror=alert(1)>-->`,
	`<![CDATA[<script>alert(1)</script>]]>`,
	`&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#60;b&#62;`,
	`{{.}} ${alert(1)} {% raw %} <%= 7*7 %>`,
	"\u202Egnp.exe your code 4821",
	"\u202Bright-to-left embed\u202C and \u2066isolate\u2069 then \u200Fmark",
	strings.Repeat("A", 400),
	strings.Repeat("0123456789", 160),
	"nul\x00bell\x07esc\x1b[31mred\x08back\x7fdel",
	"\xff\xfe\xfd bad bytes code 1234 \xc3\x28",
	`<form action=https://evil.example><button>Go</button></form>`,
	`<input autofocus onfocus=alert(1)>`,
	`<meta http-equiv="refresh" content="0;url=https://evil.example">`,
	`<base href="https://evil.example/">`,
	`<object data="javascript:alert(1)"></object>`,
	`<embed src=javascript:alert(1)>`,
	`<details open ontoggle=alert(1)>`,
	`HTTPS://Example.COM/Path?q=<b>x</b>&y="z"`,
	`see https://example.com/a_(b)_c). and http://[::1]:80/ and https://user:pw@example.com/`,
	`data:text/html,<script>alert(1)</script>`,
	`</textarea></title></style><script>alert(1)</script>`,
	`" onclick="alert(1)" x="`,
	"\U0001F469\u200D\U0001F4BB code 5678 \u200B\uFEFF",
}

// hostileSenders are sender ids written to break out of the page.
var hostileSenders = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	"\u202Eevil",
	`javascript:alert(1)`,
	`' onmouseover='alert(1)`,
}

// tagsAllowed are the elements the site's pages use; anything else came
// from a payload.
var tagsAllowed = map[string]bool{
	"html": true, "head": true, "body": true, "meta": true, "title": true, "link": true, "script": true,
	"a": true, "img": true, "header": true, "nav": true, "form": true, "label": true, "input": true, "button": true,
	"main": true, "footer": true, "div": true, "span": true, "h1": true, "h2": true, "h3": true, "p": true,
	"section": true, "ol": true, "ul": true, "li": true, "article": true, "time": true, "bdi": true, "mark": true,
	"code": true, "dl": true, "dt": true, "dd": true, "meter": true, "table": true, "thead": true, "tbody": true,
	"tr": true, "th": true, "td": true, "q": true, "em": true,
}

// checkInert fails when the page holds an element or attribute that no
// page of the site makes.
func checkInert(t *testing.T, name string, d doc) {
	t.Helper()
	for _, n := range d.all(func(*html.Node) bool { return true }) {
		if !tagsAllowed[n.Data] {
			t.Errorf("%s: injected element <%s>", name, n.Data)
		}
		inBody := false
		for p := n.Parent; p != nil; p = p.Parent {
			if p.Data == "body" {
				inBody = true
			}
		}
		switch n.Data {
		case "script":
			if src, _ := attr(n, "src"); !strings.HasPrefix(src, "/static/app.") || n.FirstChild != nil {
				t.Errorf("%s: injected script %q", name, src)
			}
		case "img":
			if src, _ := attr(n, "src"); !strings.HasPrefix(src, "/static/") {
				t.Errorf("%s: injected image %q", name, src)
			}
		case "meta", "link", "title":
			if inBody {
				t.Errorf("%s: <%s> in the body", name, n.Data)
			}
		case "form":
			if a, _ := attr(n, "action"); a != "/search" && a != "/senders" {
				t.Errorf("%s: injected form to %q", name, a)
			}
		case "input":
			if nm, _ := attr(n, "name"); nm != "q" {
				t.Errorf("%s: injected input %q", name, nm)
			}
		case "a":
			href, _ := attr(n, "href")
			u, err := url.Parse(href)
			if err != nil {
				t.Errorf("%s: link %q does not parse", name, href)
				continue
			}
			switch u.Scheme {
			case "":
			case "http", "https":
				if !inBody {
					continue
				}
				if rel, _ := attr(n, "rel"); u.Host != "127.0.0.1" && rel != "nofollow ugc noopener" {
					t.Errorf("%s: outside link %q with rel %q", name, href, rel)
				}
			case "mailto":
			default:
				t.Errorf("%s: link with scheme %q: %q", name, u.Scheme, href)
			}
		}
		for _, a := range n.Attr {
			k := strings.ToLower(a.Key)
			if strings.HasPrefix(k, "on") || k == "style" || k == "autofocus" || k == "http-equiv" || k == "srcdoc" || k == "formaction" || k == "x" {
				t.Errorf("%s: injected attribute %s=%q on <%s>", name, a.Key, a.Val, n.Data)
			}
			if v := strings.ToLower(strings.TrimSpace(a.Val)); (k == "href" || k == "src" || k == "action") && (strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:")) {
				t.Errorf("%s: dangerous URL %s=%q", name, a.Key, a.Val)
			}
		}
	}
}

// normalizeNewlines mirrors what an HTML parser does to line breaks.
func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// checkReadable fails when a shown message's body text is not on the page
// as stored, control characters shown as their pictures.
func checkReadable(t *testing.T, name string, d doc, byID map[string]store.Message) int {
	t.Helper()
	shown := 0
	for _, card := range d.byAttr("data-testid", "message") {
		id, _ := attr(card, "data-id")
		m, ok := byID[id]
		if !ok {
			continue
		}
		shown++
		bodies := within(card, func(n *html.Node) bool { v, _ := attr(n, "data-testid"); return v == "body" })
		if len(bodies) != 1 {
			t.Errorf("%s: message %s has %d bodies", name, id, len(bodies))
			continue
		}
		if dir, _ := attr(bodies[0], "dir"); dir != "auto" {
			t.Errorf("%s: message %s body without dir=auto", name, id)
		}
		if got, want := text(bodies[0]), normalizeNewlines(templates.Visible(m.Body)); got != want {
			t.Errorf("%s: message %s reads\n%q\nwant\n%q", name, id, got, want)
		}
		senders := within(card, func(n *html.Node) bool { return n.Data == "bdi" })
		if len(senders) == 0 || text(senders[0]) != templates.Visible(m.SenderDisplay) {
			t.Errorf("%s: message %s sender not shown isolated as %q", name, id, m.SenderDisplay)
		}
	}
	return shown
}

func TestHostileContent(t *testing.T) {
	s := newSite(t)
	n := s.addNumber("+447400123456", `<b>label</b>"><script>alert(1)</script>`)
	ctx := context.Background()
	byID := map[string]store.Message{}
	senderKeys := map[string]bool{}
	for i, body := range hostileBodies {
		from := hostileSenders[i%len(hostileSenders)]
		res, err := s.st.Insert(ctx, store.Inbound{To: n.E164, From: from, Body: body + " hostilemarker", ReceivedAt: time.Now().Add(-time.Duration(len(hostileBodies)-i) * time.Second), Source: "test"})
		if err != nil {
			t.Fatalf("payload %d refused: %v", i, err)
		}
		m, err := s.st.Message(ctx, res.ID)
		if err != nil {
			t.Fatal(err)
		}
		byID[itoa(m.ID)] = m
		senderKeys[m.SenderKey] = true
	}
	if len(hostileBodies) < 30 {
		t.Fatalf("only %d payloads", len(hostileBodies))
	}
	pages := []string{"/", "/number/447400123456", "/search?q=hostilemarker", "/senders", "/country/gb", "/countries"}
	for key := range senderKeys {
		pages = append(pages, templates.SenderURL(key))
	}
	for id := range byID {
		pages = append(pages, "/message/"+id)
	}
	for _, q := range hostileBodies[:12] {
		pages = append(pages, "/search?q="+url.QueryEscape(q), "/senders?q="+url.QueryEscape(q))
	}
	total := 0
	for _, p := range pages {
		res, body := s.get(p)
		if res.StatusCode != 200 {
			t.Errorf("%s: status %d", p, res.StatusCode)
			continue
		}
		d := parse(t, body)
		checkInert(t, p, d)
		shown := checkReadable(t, p, d, byID)
		total += shown
		switch {
		case p == "/number/447400123456" || p == "/search?q=hostilemarker":
			if shown != len(hostileBodies) {
				t.Errorf("%s shows %d of %d payloads", p, shown, len(hostileBodies))
			}
		case strings.HasPrefix(p, "/message/") || strings.HasPrefix(p, "/sender/") || p == "/":
			if shown == 0 {
				t.Errorf("%s shows no payload", p)
			}
		}
		if p == "/senders" {
			if got := len(d.byAttr("data-testid", "sender-row")); got != len(senderKeys) {
				t.Errorf("/senders lists %d senders, want %d", got, len(senderKeys))
			}
		}
	}
	// Links in bodies: only http and https, marked as user content.
	_, body := s.get("/number/447400123456")
	d := parse(t, body)
	var links []string
	for _, a := range d.tag("a") {
		if rel, _ := attr(a, "rel"); rel == "nofollow ugc noopener" {
			href, _ := attr(a, "href")
			links = append(links, href)
		}
	}
	for _, want := range []string{"https://evil.example/", "https://example.com/a_(b)_c", "https://Example.COM/Path?q="} {
		found := false
		for _, l := range links {
			found = found || l == want
		}
		if !found {
			t.Errorf("body link %q not made; links: %q", want, links)
		}
	}
	for _, l := range links {
		if strings.Contains(l, "user:pw") || strings.HasPrefix(l, "javascript") {
			t.Errorf("unsafe body link %q", l)
		}
	}
}

package web

import (
	"encoding/xml"
	"sort"
	"strings"
	"testing"
)

type urlset struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"url"`
}

type sitemapIndex struct {
	XMLName  xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
}

// expectedURLs is every page a sitemap of the demo lists.
func expectedURLs(base string) []string {
	paths := []string{"/", "/countries", "/senders", "/rules",
		"/country/de", "/country/gb", "/country/us",
		"/number/447400123456", "/number/447400654321", "/number/4915112345678", "/number/12025550143",
		"/sender/whatsapp", "/sender/google", "/sender/telegram", "/sender/9009", "/sender/amazon"}
	var out []string
	for _, p := range paths {
		out = append(out, base+p)
	}
	sort.Strings(out)
	return out
}

func TestSitemapWhole(t *testing.T) {
	s := newSite(t)
	s.demo()
	res, body := s.get("/sitemap.xml")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/xml") {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var set urlset
	if err := xml.Unmarshal([]byte(body), &set); err != nil {
		t.Fatalf("not a sitemap: %v\n%s", err, body)
	}
	var got []string
	for _, u := range set.URLs {
		got = append(got, u.Loc)
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(expectedURLs(s.url), "\n") {
		t.Errorf("sitemap lists\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(expectedURLs(s.url), "\n"))
	}
	if res, _ := s.get("/sitemap-1.xml"); res.StatusCode != 404 {
		t.Errorf("a part of an unsplit sitemap: status %d", res.StatusCode)
	}
}

func TestSitemapSplit(t *testing.T) {
	s := newSite(t, func(c *Config) { c.SitemapLimit = 5 })
	s.demo()
	_, body := s.get("/sitemap.xml")
	var idx sitemapIndex
	if err := xml.Unmarshal([]byte(body), &idx); err != nil {
		t.Fatalf("not a sitemap index: %v\n%s", err, body)
	}
	want := expectedURLs(s.url)
	if len(idx.Sitemaps) != (len(want)+4)/5 {
		t.Fatalf("index has %d parts, want %d", len(idx.Sitemaps), (len(want)+4)/5)
	}
	var got []string
	for i, sm := range idx.Sitemaps {
		path := strings.TrimPrefix(sm.Loc, s.url)
		if path != "/sitemap-"+itoa(i+1)+".xml" {
			t.Fatalf("part %d is %q", i+1, sm.Loc)
		}
		res, body := s.get(path)
		if res.StatusCode != 200 {
			t.Fatalf("%s: status %d", path, res.StatusCode)
		}
		var set urlset
		if err := xml.Unmarshal([]byte(body), &set); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(set.URLs) == 0 || len(set.URLs) > 5 {
			t.Fatalf("%s lists %d URLs", path, len(set.URLs))
		}
		for _, u := range set.URLs {
			got = append(got, u.Loc)
		}
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("parts list\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, p := range []string{"/sitemap-0.xml", "/sitemap-99.xml", "/sitemap-x.xml", "/sitemap-1.txt"} {
		if res, _ := s.get(p); res.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", p, res.StatusCode)
		}
	}
}

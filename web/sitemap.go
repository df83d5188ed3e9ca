package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
	"smsinbox/templates"
)

const sitemapCache = "public, max-age=3600"

// sitemapURL is one <url> of a sitemap.
type sitemapURL struct {
	path    string
	lastMod time.Time
}

// errSitemapFull stops walking once a sitemap file has its URLs.
var errSitemapFull = errors.New("sitemap file full")

// walkSitemap calls fn for every URL the sitemaps list, in a stable order:
// the fixed pages, countries, active numbers, then senders by key.
func (s *Server) walkSitemap(ctx context.Context, fn func(sitemapURL) error) error {
	for _, p := range []string{"/", "/countries", "/senders", "/rules"} {
		if err := fn(sitemapURL{path: p}); err != nil {
			return err
		}
	}
	cs, err := s.st.Countries(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := fn(sitemapURL{path: templates.CountryURL(c.Code), lastMod: c.LastMessageAt}); err != nil {
			return err
		}
	}
	nums, err := s.st.Numbers(ctx, store.NumberFilter{Status: store.StatusActive})
	if err != nil {
		return err
	}
	for _, n := range nums {
		if err := fn(sitemapURL{path: templates.NumberURL(n.E164), lastMod: n.LastMessageAt}); err != nil {
			return err
		}
	}
	return s.st.AllSenders(ctx, func(sd store.Sender) error {
		return fn(sitemapURL{path: templates.SenderURL(sd.Key), lastMod: sd.LastSeen})
	})
}

// sitemapSize counts the URLs of the sitemaps without listing senders.
func (s *Server) sitemapSize(ctx context.Context) (int, error) {
	cs, err := s.st.Countries(ctx)
	if err != nil {
		return 0, err
	}
	nums, err := s.st.Numbers(ctx, store.NumberFilter{Status: store.StatusActive})
	if err != nil {
		return 0, err
	}
	senders, err := s.st.SenderCount(ctx)
	if err != nil {
		return 0, err
	}
	return 4 + len(cs) + len(nums) + int(senders), nil
}

// sitemap answers the whole sitemap, or an index of its parts when it
// holds more URLs than one file may.
func (s *Server) sitemap(c echo.Context) error {
	ctx := c.Request().Context()
	total, err := s.sitemapSize(ctx)
	if err != nil {
		return err
	}
	if total <= s.cfg.SitemapLimit {
		return s.sitemapFile(c, 0, s.cfg.SitemapLimit)
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	parts := (total + s.cfg.SitemapLimit - 1) / s.cfg.SitemapLimit
	for i := 1; i <= parts; i++ {
		b.WriteString("<sitemap><loc>")
		xml.EscapeText(&b, []byte(s.abs(c, "/sitemap-"+strconv.Itoa(i)+".xml")))
		b.WriteString("</loc></sitemap>\n")
	}
	b.WriteString("</sitemapindex>\n")
	c.Response().Header().Set("Cache-Control", sitemapCache)
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", b.Bytes())
}

// sitemapPart answers /sitemap-{n}.xml, the n-th part of a split sitemap.
func (s *Server) sitemapPart(c echo.Context) error {
	ctx := c.Request().Context()
	name := c.Param("file")
	num, ok := strings.CutSuffix(name, ".xml")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 1 {
		return store.Errorf(store.KindNotFound, "there is no such sitemap")
	}
	total, err := s.sitemapSize(ctx)
	if err != nil {
		return err
	}
	if total <= s.cfg.SitemapLimit || (n-1)*s.cfg.SitemapLimit >= total {
		return store.Errorf(store.KindNotFound, "there is no sitemap part %d", n)
	}
	return s.sitemapFile(c, (n-1)*s.cfg.SitemapLimit, s.cfg.SitemapLimit)
}

// sitemapFile writes the URLs from skip on, at most limit of them.
func (s *Server) sitemapFile(c echo.Context, skip, limit int) error {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	i, written := 0, 0
	err := s.walkSitemap(c.Request().Context(), func(u sitemapURL) error {
		i++
		if i <= skip {
			return nil
		}
		if written == limit {
			return errSitemapFull
		}
		written++
		b.WriteString("<url><loc>")
		xml.EscapeText(&b, []byte(s.abs(c, u.path)))
		b.WriteString("</loc>")
		if !u.lastMod.IsZero() {
			b.WriteString("<lastmod>" + u.lastMod.UTC().Format(time.RFC3339) + "</lastmod>")
		}
		b.WriteString("</url>\n")
		return nil
	})
	if err != nil && !errors.Is(err, errSitemapFull) {
		return err
	}
	b.WriteString("</urlset>\n")
	c.Response().Header().Set("Cache-Control", sitemapCache)
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", b.Bytes())
}

func (s *Server) robots(c echo.Context) error {
	body := "User-agent: *\n" +
		"Allow: /\n" +
		"Disallow: /search\n" +
		"Disallow: /api/\n" +
		"Disallow: /admin\n" +
		"Disallow: /events\n" +
		"Disallow: /*/events\n" +
		"\nSitemap: " + s.abs(c, "/sitemap.xml") + "\n"
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", []byte(body))
}

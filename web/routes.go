package web

import (
	"net/http"
	"os"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes registers every route of the site, each with a name for
// e.Reverse, then mounts the other packages' routes.
func (s *Server) routes() {
	e := s.e
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(middleware.Recover())
	e.Use(s.noteChanges)
	e.Use(securityHeaders)
	e.Use(s.cfg.Middleware...)
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		Skipper:   skipGzip,
		MinLength: minGzip,
		Level:     5,
	}))

	get := func(path string, h echo.HandlerFunc, name string) {
		e.GET(path, h).Name = name
		e.HEAD(path, h).Name = name + ".head"
	}
	get("/", s.home, "home")
	get("/countries", s.countries, "countries")
	get("/country/:iso", s.country, "country")
	get("/number/:digits", s.number, "number")
	get("/sender/:key", s.sender, "sender")
	get("/senders", s.senders, "senders")
	get("/search", s.search, "search")
	get("/message/:id", s.message, "message")
	get("/rules", s.rules, "rules")

	e.GET("/events", s.homeEvents).Name = "events"
	e.GET("/number/:digits/events", s.numberEvents).Name = "number.events"
	e.GET("/sender/:key/events", s.senderEvents).Name = "sender.events"
	e.GET("/country/:iso/events", s.countryEvents).Name = "country.events"

	get("/robots.txt", s.robots, "robots")
	get("/sitemap.xml", s.sitemap, "sitemap")
	get("/sitemap-:file", s.sitemapPart, "sitemap.part")
	get("/static/:file", s.static, "static")
	get("/favicon.ico", s.favicon, "favicon")
	if dir := os.Getenv(benchStaticEnv); dir != "" {
		get("/bench-static/:file", s.benchStatic(dir), "bench.static")
	}

	for _, mount := range s.cfg.Mount {
		mount(e)
	}
}

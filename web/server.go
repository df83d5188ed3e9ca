// Package web serves the public site: pages, live updates, sitemaps and
// static files, with the other packages' routes mounted on the same echo
// instance.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
	"smsinbox/web/live"
)

// Config tunes the site.
type Config struct {
	PublicURL  string                // base URL, e.g. "http://localhost:8080"; canonical links, feeds, sitemaps
	Logger     *slog.Logger          // nil: slog.Default()
	Mount      []func(e *echo.Echo)  // other packages' routes (feeds, API, admin, webhooks, ops)
	Middleware []echo.MiddlewareFunc // extra middleware (rate limits, metrics), applied before routes
	Now        func() time.Time      // nil: time.Now

	// Contact is where removal requests go (an e-mail or web address),
	// shown on the rules page.
	Contact string
	// SitemapLimit is the most URLs one sitemap file lists; 50,000 when 0.
	SitemapLimit int
	// KeepAlive is how often an idle live-update stream gets a comment;
	// 15s when 0.
	KeepAlive time.Duration
	// ShutdownTimeout is how long Serve waits for requests in flight when
	// it stops; 10s when 0.
	ShutdownTimeout time.Duration
	// PageCacheBytes bounds the memory of rendered pages kept for the
	// next visitor of an unchanged page; DefaultPageCacheBytes when 0, no
	// cache when negative.
	PageCacheBytes int64
}

// Server is the site.
type Server struct {
	st   *store.Store
	hub  *live.Hub
	cfg  Config
	e    *echo.Echo
	log  *slog.Logger
	now  func() time.Time
	base string
	// version makes page validators change when the program does.
	version string
	// pages keeps rendered pages; nil when off.
	pages *pageStore
	// state keeps the numbers list between requests.
	state stateCache

	closing   chan struct{}
	closeOnce sync.Once
}

// New builds the site over st. hub may be nil: pages then offer no live
// updates. The caller runs hub.Run.
func New(st *store.Store, hub *live.Hub, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SitemapLimit <= 0 {
		cfg.SitemapLimit = 50000
	}
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = 15 * time.Second
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	s := &Server{
		st:      st,
		hub:     hub,
		cfg:     cfg,
		log:     cfg.Logger,
		now:     cfg.Now,
		base:    strings.TrimRight(cfg.PublicURL, "/"),
		version: strconv.FormatInt(time.Now().UnixNano(), 36),
		closing: make(chan struct{}),
	}
	switch {
	case cfg.PageCacheBytes == 0:
		s.pages = newPageStore(DefaultPageCacheBytes, pageTTL)
	case cfg.PageCacheBytes > 0:
		s.pages = newPageStore(cfg.PageCacheBytes, pageTTL)
	}
	s.state.maxAge = stateMaxAge
	s.watchChanges()
	s.e = echo.New()
	s.e.HideBanner = true
	s.e.HidePort = true
	s.e.HTTPErrorHandler = s.handleError
	s.routes()
	return s
}

// Echo is the echo instance holding every route.
func (s *Server) Echo() *echo.Echo { return s.e }

// ServeHTTP makes the site an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// Serve answers requests on ln until ctx is done, then stops accepting
// connections, ends live-update streams and waits for requests in flight.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(s.closeStreams)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		s.closeStreams()
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// closeStreams ends every open live-update stream.
func (s *Server) closeStreams() { s.closeOnce.Do(func() { close(s.closing) }) }

// abs is the absolute URL of a path on the site.
func (s *Server) abs(c echo.Context, path string) string {
	if s.base != "" {
		return s.base + path
	}
	scheme := "http"
	if c.Request().TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request().Host + path
}

// Package static holds the site's stylesheet, script and icon, embedded in
// the binary and served under content-hashed names so that browsers may
// keep them for a year.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"
)

//go:embed files
var files embed.FS

// Asset is one embedded file.
type Asset struct {
	Name   string // "app.css"
	Hashed string // "app.3f2a1b4c.css"
	Type   string // Content-Type
	Body   []byte
	ETag   string // strong validator from the content hash
	// Gzip is Body compressed once, served to clients that accept gzip;
	// nil when compression would not make it smaller.
	Gzip []byte
}

var (
	byName   = map[string]*Asset{}
	byHashed = map[string]*Asset{}
)

func init() {
	entries, err := fs.ReadDir(files, "files")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		body, err := files.ReadFile("files/" + e.Name())
		if err != nil {
			panic(err)
		}
		a := New(e.Name(), body)
		byName[a.Name] = a
		byHashed[a.Hashed] = a
	}
}

// New makes an asset of a file's name and content: its hashed name,
// content type, validator and compressed copy.
func New(name string, body []byte) *Asset {
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])[:10]
	ext := path.Ext(name)
	return &Asset{
		Name:   name,
		Hashed: strings.TrimSuffix(name, ext) + "." + h + ext,
		Type:   contentType(ext),
		Body:   body,
		ETag:   `"` + h + `"`,
		Gzip:   Compress(body),
	}
}

// Compress gzips body at the best compression, or gives nil when that
// would not save at least a tenth of it (small or already compressed
// files).
func Compress(body []byte) []byte {
	if len(body) < 256 {
		return nil
	}
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(body)
	w.Close()
	if buf.Len() > len(body)-len(body)/10 {
		return nil
	}
	return buf.Bytes()
}

func contentType(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

// URL is the content-hashed URL of the asset name ("app.css" gives
// "/static/app.3f2a1b4c5d.css"); an unknown name gives its plain URL.
func URL(name string) string {
	if a, ok := byName[name]; ok {
		return Prefix + a.Hashed
	}
	return Prefix + name
}

// Lookup finds an asset by the file name in its URL. Exact reports whether
// the name carried the current content hash; an outdated hash (a page
// cached across a deploy) still finds the current asset by its base name.
func Lookup(file string) (a *Asset, exact bool) {
	if a, ok := byHashed[file]; ok {
		return a, true
	}
	if a, ok := byName[file]; ok {
		return a, false
	}
	// "app.0123456789.css" with an old hash: drop the middle part.
	ext := path.Ext(file)
	base := strings.TrimSuffix(file, ext)
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		if a, ok := byName[base[:i]+ext]; ok {
			return a, false
		}
	}
	return nil, false
}

// Get returns the asset with the plain name, or nil.
func Get(name string) *Asset { return byName[name] }

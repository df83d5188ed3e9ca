package web

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// doc is a parsed page.
type doc struct {
	t    *testing.T
	root *html.Node
}

func parse(t *testing.T, body string) doc {
	t.Helper()
	n, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("page does not parse: %v", err)
	}
	return doc{t: t, root: n}
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

// all is every element for which match is true, in document order.
func (d doc) all(match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(d.root)
	return out
}

// byAttr finds elements with the attribute name set to val.
func (d doc) byAttr(name, val string) []*html.Node {
	return d.all(func(n *html.Node) bool {
		v, ok := attr(n, name)
		return ok && v == val
	})
}

// tag finds elements by tag name.
func (d doc) tag(name string) []*html.Node {
	return d.all(func(n *html.Node) bool { return n.Data == name })
}

// hasClass reports whether n has the class c.
func hasClass(n *html.Node, c string) bool {
	v, _ := attr(n, "class")
	for _, f := range strings.Fields(v) {
		if f == c {
			return true
		}
	}
	return false
}

// text is the text content of n.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// messageIDs lists the data-id of the message cards, in order.
func (d doc) messageIDs() []string {
	var ids []string
	for _, n := range d.byAttr("data-testid", "message") {
		id, _ := attr(n, "data-id")
		ids = append(ids, id)
	}
	return ids
}

// within finds the descendants of n that match.
func within(n *html.Node, match func(*html.Node) bool) []*html.Node {
	return doc{root: n}.all(match)
}

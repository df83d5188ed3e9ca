// Package templates renders the public site's pages. Handlers pass plain
// view values; nothing here reads the database.
package templates

import (
	"time"

	"smsinbox/store"
)

// SiteName is shown in titles and the header.
const SiteName = "SMS Inbox"

// Meta describes a page for the layout: its title, description, canonical
// URL and feeds.
type Meta struct {
	Title       string // page title without the site name
	Description string
	Canonical   string // absolute URL
	Feeds       []Feed // feed autodiscovery links
	NoIndex     bool
	Nav         string // "home", "countries", "senders", "search", "rules": the current section
}

// FullTitle is the document title.
func (m Meta) FullTitle() string {
	if m.Title == "" || m.Title == SiteName {
		return SiteName + ": free public numbers to receive SMS online"
	}
	return m.Title + " · " + SiteName
}

// Feed is one feed of a page.
type Feed struct {
	Title string
	URL   string
	Type  string // "application/rss+xml", "application/atom+xml", "application/feed+json"
}

// FeedSet is the three formats of one feed (RSS, Atom, JSON Feed) under a
// base path such as "/number/447400123456"; "" gives the site-wide ones.
func FeedSet(title, base string) []Feed {
	return []Feed{
		{Title: title + " (RSS)", URL: base + "/rss", Type: "application/rss+xml"},
		{Title: title + " (Atom)", URL: base + "/atom", Type: "application/atom+xml"},
		{Title: title + " (JSON Feed)", URL: base + "/feed.json", Type: "application/feed+json"},
	}
}

// Card says how a message is shown in a listing.
type Card struct {
	M          store.Message
	Now        time.Time
	ShowNumber bool // link the receiving number (off on the number's own page)
	ShowSender bool // link the sender (off on the sender's own page)
}

// Cards wraps messages for a listing.
func Cards(ms []store.Message, now time.Time, showNumber, showSender bool) []Card {
	out := make([]Card, len(ms))
	for i, m := range ms {
		out[i] = Card{M: m, Now: now, ShowNumber: showNumber, ShowSender: showSender}
	}
	return out
}

// Live describes a listing that updates itself.
type Live struct {
	Events  string // the Server-Sent Events URL
	After   int64  // the newest message id shown
	Refresh string // the URL that shows new messages without JavaScript
}

// CountryGroup is the numbers of one country.
type CountryGroup struct {
	Code    string
	Numbers []store.Number
}

// HomeView is the home page.
type HomeView struct {
	Now     time.Time
	Latest  []Card
	Groups  []CountryGroup
	Live    Live
	Senders []store.Sender
}

// NumberView is a number's inbox.
type NumberView struct {
	Now      time.Time
	Number   store.Number
	Messages []Card
	Older    string // URL of the older page, "" when there is none
	Newest   string // URL of the first page when this is an older one
	Live     Live
}

// RetiredView is the page of a number that no longer receives messages.
type RetiredView struct {
	Now    time.Time
	Number store.Number
	Groups []CountryGroup
}

// SenderView is a sender's page.
type SenderView struct {
	Now      time.Time
	Profile  store.Profile
	Messages []Card
	Older    string
	Newest   string
	Live     Live
	More     []store.Sender
}

// CountriesView lists the countries.
type CountriesView struct {
	Now       time.Time
	Countries []store.Country
}

// CountryView is one country's page.
type CountryView struct {
	Now      time.Time
	Code     string
	Active   []store.Number
	Retired  []store.Number
	Messages []Card
	Older    string
	Newest   string
	Live     Live
}

// SendersView is the senders index.
type SendersView struct {
	Now     time.Time
	Query   string
	Senders []store.Sender
	Next    string // URL of the next page, "" when none
	First   string // URL of the first page when this is a later one
	Total   int64
}

// SearchView is the message search.
type SearchView struct {
	Now     time.Time
	Query   string
	Results []Card
	Older   string
	Newest  string
}

// MessageView is one message's permalink page.
type MessageView struct {
	Card Card
}

// RulesView is the rules of use.
type RulesView struct {
	Contact string // where takedown requests go
}

// ErrorView is an error page.
type ErrorView struct {
	Status  int
	Title   string
	Message string
}

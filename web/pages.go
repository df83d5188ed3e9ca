package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"smsinbox/store"
	"smsinbox/store/phone"
	"smsinbox/templates"
)

// Page sizes.
const (
	homeLatest    = 20
	pageMessages  = 50
	countryLatest = 30
	pageSenders   = 50
	moreSenders   = 12
	maxQuery      = 200
)

var errNotFound = store.Errorf(store.KindNotFound, "there is nothing at this address")

// param reads a path parameter, undoing percent-encoding.
func param(c echo.Context, name string) string {
	v := c.Param(name)
	if strings.Contains(v, "%") {
		if u, err := url.PathUnescape(v); err == nil {
			return u
		}
	}
	return v
}

// beforeParam reads the ?before= cursor; 0 when absent.
func beforeParam(c echo.Context) (int64, error) {
	v := c.QueryParam("before")
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, store.Errorf(store.KindInvalid, "before must be a message id, a positive whole number")
	}
	return id, nil
}

// query reads a search box: trimmed, valid UTF-8, at most maxQuery bytes.
func query(c echo.Context, name string) string {
	q := strings.TrimSpace(strings.ToValidUTF8(c.QueryParam(name), ""))
	if len(q) > maxQuery {
		q = q[:maxQuery]
		for !utf8.ValidString(q) {
			q = q[:len(q)-1]
		}
	}
	return q
}

// page splits one extra row off a listing: it only tells that an older
// page exists.
func page(ms []store.Message, size int) ([]store.Message, bool) {
	if len(ms) > size {
		return ms[:size], true
	}
	return ms, false
}

func withBefore(path string, id int64) string {
	return path + "?before=" + strconv.FormatInt(id, 10)
}

// canonical is the page's own absolute URL, with its cursor.
func (s *Server) canonical(c echo.Context, path string, before int64) string {
	if before > 0 {
		return s.abs(c, withBefore(path, before))
	}
	return s.abs(c, path)
}

func newest(ms []store.Message) int64 {
	var id int64
	for _, m := range ms {
		id = max(id, m.ID)
	}
	return id
}

// live describes the live updates of a listing at path: none when the
// server runs without a hub.
func (s *Server) live(ctx context.Context, path, events string, ms []store.Message) templates.Live {
	if s.hub == nil {
		return templates.Live{Refresh: path}
	}
	return templates.Live{Events: events, After: s.liveAfter(ctx, ms), Refresh: path}
}

// liveAfter is the id a live stream continues from: the newest shown, or
// the newest stored when nothing is shown.
func (s *Server) liveAfter(ctx context.Context, ms []store.Message) int64 {
	if id := newest(ms); id > 0 {
		return id
	}
	id, _ := s.st.LastID(ctx)
	return id
}

func (s *Server) home(c echo.Context) error {
	ctx := c.Request().Context()
	ns, err := s.numbers(ctx)
	if err != nil {
		return err
	}
	v := s.validator("home")
	v.int(int64(ns.digest))
	v.lastMod = ns.lastMod
	return s.page(c, v, func() (templ.Component, error) { return s.homePage(c, ns.nums) })
}

func (s *Server) homePage(c echo.Context, nums []store.Number) (templ.Component, error) {
	ctx := c.Request().Context()
	latest, err := s.st.Messages(ctx, store.Filter{Limit: homeLatest})
	if err != nil {
		return nil, err
	}
	senders, err := s.st.Senders(ctx, store.SenderFilter{Limit: moreSenders})
	if err != nil {
		return nil, err
	}
	now := s.now()
	groups := groupByCountry(nums)
	desc := "Receive SMS online with free public phone numbers"
	if len(groups) > 0 {
		desc += " in " + templates.Plural(int64(len(groups)), "country", "countries")
	}
	desc += ". Verification codes and messages appear within seconds, no sign-up."
	meta := templates.Meta{
		Title:       templates.SiteName,
		Description: desc,
		Canonical:   s.abs(c, "/"),
		Feeds:       templates.FeedSet(templates.SiteName+": all messages", ""),
		Nav:         "home",
	}
	view := templates.HomeView{
		Now:     now,
		Latest:  templates.Cards(latest, now, true, true),
		Groups:  groups,
		Live:    s.live(ctx, "/", "/events", latest),
		Senders: senders,
	}
	return templates.HomePage(meta, view), nil
}

// groupByCountry keeps the active numbers, grouped by country name.
func groupByCountry(nums []store.Number) []templates.CountryGroup {
	idx := map[string]int{}
	var groups []templates.CountryGroup
	for _, n := range nums {
		if n.Status != store.StatusActive {
			continue
		}
		i, ok := idx[n.Country]
		if !ok {
			i = len(groups)
			idx[n.Country] = i
			groups = append(groups, templates.CountryGroup{Code: n.Country})
		}
		groups[i].Numbers = append(groups[i].Numbers, n)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		return templates.CountryName(groups[i].Code) < templates.CountryName(groups[j].Code)
	})
	return groups
}

// lookupNumber finds the published number of a URL key.
func (s *Server) lookupNumber(ctx context.Context, digits string) (store.Number, error) {
	if digits == "" || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" {
		return store.Number{}, store.Errorf(store.KindNotFound, "there is no such number on this site")
	}
	n, err := s.number164(ctx, "+"+digits)
	if err != nil {
		return n, err
	}
	if !n.Published() {
		return n, store.Errorf(store.KindNotFound, "there is no number %s on this site", n.E164)
	}
	return n, nil
}

// redirect answers 301 to path, keeping the query.
func redirect(c echo.Context, path string) error {
	if q := c.Request().URL.RawQuery; q != "" {
		path += "?" + q
	}
	return c.Redirect(http.StatusMovedPermanently, path)
}

func (s *Server) number(c echo.Context) error {
	ctx := c.Request().Context()
	digits := param(c, "digits")
	if d := strings.TrimSpace(digits); strings.HasPrefix(d, "+") {
		return redirect(c, templates.NumberURL(strings.TrimPrefix(d, "+")))
	}
	n, err := s.lookupNumber(ctx, digits)
	if err != nil {
		return err
	}
	if n.Status == store.StatusRetired {
		return s.retired(c, n)
	}
	before, err := beforeParam(c)
	if err != nil {
		return err
	}
	v := s.validator("number", strconv.FormatInt(before, 10))
	v.number(n)
	return s.page(c, v, func() (templ.Component, error) { return s.numberPage(c, n, before) })
}

func (s *Server) numberPage(c echo.Context, n store.Number, before int64) (templ.Component, error) {
	ctx := c.Request().Context()
	ms, err := s.st.Messages(ctx, store.Filter{NumberID: n.ID, Before: before, Limit: pageMessages + 1})
	if err != nil {
		return nil, err
	}
	ms, more := page(ms, pageMessages)
	now := s.now()
	path := templates.NumberURL(n.E164)
	pretty := templates.Pretty(n.E164)
	view := templates.NumberView{Now: now, Number: n, Messages: templates.Cards(ms, now, false, true)}
	if more {
		view.Older = withBefore(path, ms[len(ms)-1].ID)
	}
	if before > 0 {
		view.Newest = path
	} else {
		view.Live = s.live(ctx, path, path+"/events", ms)
	}
	title := "Receive SMS online at " + pretty
	desc := "Free public " + templates.CountryName(n.Country) + " number " + pretty + " to receive SMS online: " +
		templates.Plural(n.Messages, "message", "messages")
	if !n.LastMessageAt.IsZero() {
		desc += ", the latest " + templates.RelTime(now, n.LastMessageAt)
	}
	desc += ". New messages appear within seconds."
	meta := templates.Meta{
		Title:       title,
		Description: desc,
		Canonical:   s.canonical(c, path, before),
		Feeds:       templates.FeedSet("Messages to "+pretty, path),
		NoIndex:     before > 0,
	}
	return templates.NumberPage(meta, view), nil
}

// retired answers 410 with the active numbers to use instead.
func (s *Server) retired(c echo.Context, n store.Number) error {
	nums, err := s.st.Numbers(c.Request().Context(), store.NumberFilter{Status: store.StatusActive})
	if err != nil {
		return err
	}
	pretty := templates.Pretty(n.E164)
	meta := templates.Meta{
		Title:       pretty + " is retired",
		Description: pretty + " no longer receives messages on " + templates.SiteName + ". Use one of the active numbers instead.",
		NoIndex:     true,
	}
	c.Response().Header().Set("Cache-Control", pageCache)
	return Render(c, http.StatusGone, templates.RetiredPage(meta, templates.RetiredView{Now: s.now(), Number: n, Groups: groupByCountry(nums)}))
}

// lookupSender finds a sender by its URL key; a key in another spelling
// ("WhatsApp") redirects to the normalized one.
func (s *Server) lookupSender(c echo.Context) (store.Sender, bool, error) {
	ctx := c.Request().Context()
	key := param(c, "key")
	if key == "" || len(key) > store.MaxSenderBytes {
		return store.Sender{}, false, store.Errorf(store.KindNotFound, "there is no such sender")
	}
	sd, err := s.senderByKey(ctx, key)
	if err == nil || !store.IsNotFound(err) {
		return sd, false, err
	}
	norm, _, _, kerr := phone.SenderKey(key, "")
	if kerr != nil || norm == key || norm == "" {
		return sd, false, err
	}
	if _, nerr := s.st.Sender(ctx, norm); nerr != nil {
		return sd, false, err
	}
	return store.Sender{Key: norm}, true, nil
}

func (s *Server) sender(c echo.Context) error {
	sd, moved, err := s.lookupSender(c)
	if err != nil {
		return err
	}
	if moved {
		return redirect(c, templates.SenderURL(sd.Key))
	}
	before, err := beforeParam(c)
	if err != nil {
		return err
	}
	v := s.validator("sender", sd.Key, strconv.FormatInt(before, 10))
	v.int(sd.Messages)
	v.time(sd.LastSeen)
	return s.page(c, v, func() (templ.Component, error) { return s.senderPage(c, sd, before) })
}

func (s *Server) senderPage(c echo.Context, sd store.Sender, before int64) (templ.Component, error) {
	ctx := c.Request().Context()
	prof, err := s.st.Profile(ctx, sd.Key)
	if err != nil {
		return nil, err
	}
	ms, err := s.st.Messages(ctx, store.Filter{SenderKey: sd.Key, Before: before, Limit: pageMessages + 1})
	if err != nil {
		return nil, err
	}
	ms, more := page(ms, pageMessages)
	others, err := s.st.Senders(ctx, store.SenderFilter{Sort: "messages", Limit: moreSenders + 1})
	if err != nil {
		return nil, err
	}
	var moreList []store.Sender
	for _, o := range others {
		if o.Key != sd.Key && len(moreList) < moreSenders {
			moreList = append(moreList, o)
		}
	}
	now := s.now()
	path := templates.SenderURL(sd.Key)
	view := templates.SenderView{Now: now, Profile: prof, Messages: templates.Cards(ms, now, true, false), More: moreList}
	if more {
		view.Older = withBefore(path, ms[len(ms)-1].ID)
	}
	if before > 0 {
		view.Newest = path
	} else {
		view.Live = s.live(ctx, path, path+"/events", ms)
	}
	display := templates.Visible(prof.Sender.Display)
	desc := "SMS messages and verification codes from " + display + " received on public numbers: " +
		templates.Plural(prof.Sender.Messages, "message", "messages")
	if len(prof.Formats) > 0 {
		desc += ", " + templates.Plural(int64(len(prof.Formats)), "message format", "message formats")
	}
	desc += ", code lengths and delivery times."
	meta := templates.Meta{
		Title:       templates.SenderTitle(display),
		Description: desc,
		Canonical:   s.canonical(c, path, before),
		Feeds:       templates.FeedSet("Messages from "+display, path),
		NoIndex:     before > 0,
		Nav:         "senders",
	}
	return templates.SenderPage(meta, view), nil
}

func (s *Server) countries(c echo.Context) error {
	ctx := c.Request().Context()
	cs, err := s.st.Countries(ctx)
	if err != nil {
		return err
	}
	v := s.validator("countries")
	for _, cc := range cs {
		v.str(cc.Code)
		v.int(cc.Numbers)
		v.int(cc.Messages)
		v.time(cc.LastMessageAt)
	}
	return s.page(c, v, func() (templ.Component, error) { return s.countriesPage(c, cs), nil })
}

func (s *Server) countriesPage(c echo.Context, cs []store.Country) templ.Component {
	sort.SliceStable(cs, func(i, j int) bool { return templates.CountryName(cs[i].Code) < templates.CountryName(cs[j].Code) })
	meta := templates.Meta{
		Title:       "Phone numbers by country",
		Description: "Free public phone numbers to receive SMS online in " + templates.Plural(int64(len(cs)), "country", "countries") + ".",
		Canonical:   s.abs(c, "/countries"),
		Nav:         "countries",
	}
	return templates.CountriesPage(meta, templates.CountriesView{Now: s.now(), Countries: cs})
}

// countryCode checks a country URL key: two letters.
func countryCode(iso string) bool {
	if len(iso) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		b := iso[i] | 0x20
		if b < 'a' || b > 'z' {
			return false
		}
	}
	return true
}

func (s *Server) country(c echo.Context) error {
	ctx := c.Request().Context()
	iso := param(c, "iso")
	if !countryCode(iso) {
		return store.Errorf(store.KindNotFound, "there is no such country on this site")
	}
	if lower := strings.ToLower(iso); lower != iso {
		return redirect(c, templates.CountryURL(lower))
	}
	ns, err := s.numbers(ctx)
	if err != nil {
		return err
	}
	cn := ns.country(iso)
	if cn == nil || len(cn.active) == 0 {
		return store.Errorf(store.KindNotFound, "there are no numbers in %s on this site", templates.CountryName(iso))
	}
	before, err := beforeParam(c)
	if err != nil {
		return err
	}
	v := s.validator("country", iso, strconv.FormatInt(before, 10))
	v.int(int64(cn.digest))
	v.lastMod = cn.lastMod
	active, retired := cn.active, cn.retired
	return s.page(c, v, func() (templ.Component, error) { return s.countryPage(c, iso, before, active, retired) })
}

func (s *Server) countryPage(c echo.Context, iso string, before int64, active, retired []store.Number) (templ.Component, error) {
	ctx := c.Request().Context()
	ms, err := s.st.Messages(ctx, store.Filter{Country: iso, Before: before, Limit: countryLatest + 1})
	if err != nil {
		return nil, err
	}
	ms, more := page(ms, countryLatest)
	now := s.now()
	code := strings.ToUpper(iso)
	path := templates.CountryURL(iso)
	name := templates.CountryName(code)
	view := templates.CountryView{Now: now, Code: code, Active: active, Retired: retired, Messages: templates.Cards(ms, now, true, true)}
	if more {
		view.Older = withBefore(path, ms[len(ms)-1].ID)
	}
	if before > 0 {
		view.Newest = path
	} else {
		view.Live = s.live(ctx, path, path+"/events", ms)
	}
	meta := templates.Meta{
		Title:       name + " phone numbers to receive SMS online",
		Description: "Free " + name + " phone numbers to receive SMS online: " + templates.Plural(int64(len(active)), "active number", "active numbers") + ", messages shown within seconds.",
		Canonical:   s.canonical(c, path, before),
		Feeds:       templates.FeedSet("Messages in "+name, path),
		NoIndex:     before > 0,
		Nav:         "countries",
	}
	return templates.CountryPage(meta, view), nil
}

func (s *Server) senders(c echo.Context) error {
	ctx := c.Request().Context()
	q := query(c, "q")
	f := store.SenderFilter{Query: q, Limit: pageSenders + 1}
	if after := c.QueryParam("after"); after != "" {
		sd, err := s.st.Sender(ctx, after)
		if err != nil {
			return store.Errorf(store.KindInvalid, "the listing cannot continue after a sender that does not exist")
		}
		f.After = &sd
	}
	list, err := s.st.Senders(ctx, f)
	if err != nil {
		return err
	}
	total, err := s.st.SenderCount(ctx)
	if err != nil {
		return err
	}
	view := templates.SendersView{Now: s.now(), Query: q, Senders: list, Total: total}
	vals := url.Values{}
	if q != "" {
		vals.Set("q", q)
	}
	if len(list) > pageSenders {
		view.Senders = list[:pageSenders]
		vals.Set("after", view.Senders[pageSenders-1].Key)
		view.Next = "/senders?" + vals.Encode()
		vals.Del("after")
	}
	if f.After != nil {
		view.First = "/senders"
		if q != "" {
			view.First += "?" + vals.Encode()
		}
	}
	meta := templates.Meta{
		Title:       "SMS senders",
		Description: "Every sender that texted our public numbers: " + templates.Plural(total, "sender", "senders") + " with their message formats and verification codes.",
		Canonical:   s.abs(c, "/senders"),
		NoIndex:     q != "" || f.After != nil,
		Nav:         "senders",
	}
	if q != "" {
		meta.Title = "Senders matching “" + q + "”"
	}
	c.Response().Header().Set("Cache-Control", pageCache)
	return Render(c, http.StatusOK, templates.SendersPage(meta, view))
}

func (s *Server) search(c echo.Context) error {
	ctx := c.Request().Context()
	q := query(c, "q")
	before, err := beforeParam(c)
	if err != nil {
		return err
	}
	view := templates.SearchView{Now: s.now(), Query: q}
	if q != "" {
		ms, err := s.st.Search(ctx, q, before, pageMessages+1)
		if err != nil {
			return err
		}
		ms, more := page(ms, pageMessages)
		view.Results = templates.Cards(ms, view.Now, true, true)
		vals := url.Values{"q": {q}}
		if more {
			vals.Set("before", strconv.FormatInt(ms[len(ms)-1].ID, 10))
			view.Older = "/search?" + vals.Encode()
			vals.Del("before")
		}
		if before > 0 {
			view.Newest = "/search?" + vals.Encode()
		}
	}
	meta := templates.Meta{
		Title:       "Search messages",
		Description: "Search the text of every SMS received on our public numbers.",
		Canonical:   s.abs(c, "/search"),
		NoIndex:     true,
		Nav:         "search",
	}
	if q != "" {
		meta.Title = "Messages matching “" + q + "”"
	}
	c.Response().Header().Set("Cache-Control", pageCache)
	return Render(c, http.StatusOK, templates.SearchPage(meta, view))
}

func (s *Server) message(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(param(c, "id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Errorf(store.KindNotFound, "there is no such message")
	}
	m, err := s.st.Message(ctx, id)
	if err != nil {
		return err
	}
	v := s.validator("message", strconv.FormatInt(id, 10))
	v.time(m.StoredAt)
	return s.page(c, v, func() (templ.Component, error) { return s.messagePage(c, m), nil })
}

func (s *Server) messagePage(c echo.Context, m store.Message) templ.Component {
	id := m.ID
	display := templates.Visible(m.SenderDisplay)
	desc := "SMS from " + display + " to " + templates.Pretty(m.Number) + " (" + templates.CountryName(m.Country) + ")"
	if m.Template != "" {
		desc += ": " + templates.Visible(m.Template)
	}
	if len(desc) > 300 {
		desc = strings.ToValidUTF8(desc[:300], "") + "…"
	}
	meta := templates.Meta{
		Title:       "SMS from " + display + " to " + templates.Pretty(m.Number),
		Description: desc,
		Canonical:   s.abs(c, templates.MessageURL(id)),
		Feeds:       templates.FeedSet("Messages to "+templates.Pretty(m.Number), templates.NumberURL(m.Number)),
	}
	card := templates.Card{M: m, Now: s.now(), ShowNumber: true, ShowSender: true}
	return templates.MessagePage(meta, templates.MessageView{Card: card})
}

func (s *Server) rules(c echo.Context) error {
	v := s.validator("rules", s.cfg.Contact)
	return s.page(c, v, func() (templ.Component, error) { return s.rulesPage(c), nil })
}

func (s *Server) rulesPage(c echo.Context) templ.Component {
	meta := templates.Meta{
		Title:       "Rules of use and privacy",
		Description: "What the public numbers of " + templates.SiteName + " are for, what is prohibited, what is stored, and how to have a message removed.",
		Canonical:   s.abs(c, "/rules"),
		Nav:         "rules",
	}
	return templates.RulesPage(meta, templates.RulesView{Contact: s.cfg.Contact})
}

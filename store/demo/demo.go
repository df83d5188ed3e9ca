// Package demo writes a deterministic synthetic data set: numbers in many
// countries and verification messages from well-known and invented senders,
// with traffic skewed as real traffic is. `smsinbox serve` seeds it into an
// empty database and benchmarks build it at a million messages.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"smsinbox/store"
	"smsinbox/store/phone"
)

// Defaults of Options.
const (
	DefaultMessages = 600
	DefaultNumbers  = 12
	DefaultSenders  = 60
	DefaultDays     = 30
	DefaultBatch    = 50000
)

// Revision changes whenever the generator gives other data for the same
// options, so that data sets kept on disk (benchmark databases) can be
// named by it.
const Revision = 2

// Actor is who the demo numbers are added by in the audit log.
const Actor = "demo"

// Source is the source of every demo message; their source ids make a
// second run over the same database store nothing new.
const Source = "demo"

// busiestShare is the part of all messages the busiest sender holds.
const busiestShare = 0.10

// Options size the data set. Zero values take the defaults.
type Options struct {
	Messages int
	Numbers  int
	Senders  int
	Days     int
	Seed     int64
	Now      time.Time // the newest message is at most this recent; the store's clock when zero
	Batch    int       // messages per transaction
}

// Summary tells what Generate wrote.
type Summary struct {
	Numbers    int // numbers added
	Senders    int // distinct senders messages were drawn from
	Messages   int // messages stored
	Duplicates int // messages already in the database
	Refused    int
	Elapsed    time.Duration
}

func (o *Options) defaults(st *store.Store) {
	if o.Messages <= 0 {
		o.Messages = DefaultMessages
	}
	if o.Numbers <= 0 {
		o.Numbers = DefaultNumbers
	}
	if o.Senders <= 0 {
		o.Senders = DefaultSenders
	}
	if o.Days <= 0 {
		o.Days = DefaultDays
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Now.IsZero() {
		o.Now = st.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Millisecond)
}

// Limits on Options, so that a typo cannot fill a disk.
const (
	MaxMessages = 50_000_000
	MaxNumbers  = 100_000
	MaxSenders  = 5_000_000
	MaxDays     = 3650
)

func (o Options) check() error {
	switch {
	case o.Messages > MaxMessages:
		return store.Errorf(store.KindInvalid, "the demo data set holds at most %d messages", MaxMessages)
	case o.Numbers > MaxNumbers:
		return store.Errorf(store.KindInvalid, "the demo data set holds at most %d numbers", MaxNumbers)
	case o.Senders > MaxSenders:
		return store.Errorf(store.KindInvalid, "the demo data set holds at most %d senders", MaxSenders)
	case o.Days > MaxDays:
		return store.Errorf(store.KindInvalid, "the demo data set spans at most %d days", MaxDays)
	}
	return nil
}

// Generate writes the data set into st: it adds the numbers (the last of
// them retired, when there are more than one), then stores the messages in
// batches, oldest first. The same options give the same data set.
func Generate(ctx context.Context, st *store.Store, opts Options) (Summary, error) {
	start := time.Now()
	opts.defaults(st)
	if err := opts.check(); err != nil {
		return Summary{}, err
	}
	var sum Summary
	nums := makeNumbers(opts.Seed, opts.Numbers)
	for _, n := range nums {
		if _, err := st.AddNumber(ctx, Actor, n.e164, n.label); err != nil {
			return sum, err
		}
		sum.Numbers++
	}
	senders := makeSenders(opts.Seed, opts.Senders)
	sum.Senders = len(senders)

	g := newGenerator(opts, nums, senders)
	// Batches are drawn and prepared while the one before is written.
	batches := make(chan *store.Batch, 1)
	genCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer close(batches)
		for from := 0; from < opts.Messages; from += opts.Batch {
			b := st.Prepare(g.batch(from, min(from+opts.Batch, opts.Messages)))
			select {
			case batches <- b:
			case <-genCtx.Done():
				return
			}
		}
	}()
	load, err := st.Load(ctx)
	if err != nil {
		return sum, err
	}
	defer load.Close()
	for b := range batches {
		res, err := load.Add(ctx, b)
		if err != nil {
			return sum, err
		}
		for _, r := range res {
			switch {
			case r.Err != nil:
				sum.Refused++
			case r.Duplicate:
				sum.Duplicates++
			default:
				sum.Messages++
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if err := load.Commit(ctx); err != nil {
		return sum, err
	}
	if len(nums) > 1 {
		last := nums[len(nums)-1]
		if err := st.RetireNumber(ctx, Actor, last.e164); err != nil {
			return sum, err
		}
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// number is a demo receiving number.
type number struct {
	e164    string
	country string
	lang    string
	label   string
}

// makeNumbers gives n valid mobile numbers, one country after another: the
// first is the country's example number, the others vary its last digits.
func makeNumbers(seed int64, n int) []number {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6e756d62657273))
	seen := map[string]bool{}
	out := make([]number, 0, n)
	for i := 0; len(out) < n; i++ {
		c := countries[i%len(countries)]
		ex := phonenumbers.GetExampleNumberForType(c.code, phonenumbers.MOBILE)
		if ex == nil {
			continue
		}
		nsn := phonenumbers.GetNationalSignificantNumber(ex)
		cc := strconv.Itoa(int(ex.GetCountryCode()))
		var e164 string
		for try := 0; try < 50; try++ {
			digits := nsn
			if i >= len(countries) || try > 0 {
				tail := fmt.Sprintf("%04d", rng.IntN(10000))
				if len(nsn) > 6 {
					digits = nsn[:len(nsn)-4] + tail
				}
			}
			cand := "+" + cc + digits
			if seen[cand] {
				continue
			}
			if e, _, err := phone.ParseNumber(cand); err == nil {
				e164 = e
				break
			}
		}
		if e164 == "" {
			continue
		}
		seen[e164] = true
		out = append(out, number{e164: e164, country: c.code, lang: c.lang,
			label: phone.CountryName(c.code) + " " + strconv.Itoa(i/len(countries)+1)})
	}
	return out
}

// sender is one demo sender: a brand or an invented one.
type sender struct {
	name   string
	code   codeKind
	global bool
	tmpl   map[string][]string
	langs  []string
	pick   uint32 // which of the generic templates it uses
	home   string // the language an invented sender that is not global writes in
}

// globalShare is the part of invented senders that write in each
// receiving number's language; the others are local businesses that write
// in their own language to every number.
const globalShare = 3 // in 10

// maxShortCodes bounds the invented short codes: checking that no country
// reads one as a national number is slow.
const maxShortCodes = 500

// makeSenders gives n senders with distinct keys: the brands first (the
// busiest), then invented alphanumeric names, short codes and full numbers.
func makeSenders(seed int64, n int) []sender {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x73656e64657273))
	keys := map[string]bool{}
	out := make([]sender, 0, n)
	add := func(s sender) bool {
		key, _, kind, err := phone.SenderKey(s.name, "")
		if err != nil || keys[key] {
			return false
		}
		if kind == phone.KindShortcode {
			// Keep only short codes that no demo country reads as one
			// of its national numbers, so each has one key.
			for _, c := range countries {
				if k, _, _, _ := phone.SenderKey(s.name, c.code); k != key {
					return false
				}
			}
		}
		keys[key] = true
		out = append(out, s)
		return true
	}
	for _, br := range brands {
		if len(out) == n {
			return out
		}
		add(sender{name: br.name, code: br.code, global: br.global, tmpl: br.tmpl, langs: br.langs, pick: rng.Uint32()})
	}
	shortCodes := 0
	for len(out) < n {
		s := sender{code: codeKinds[rng.IntN(len(codeKinds))], pick: rng.Uint32()}
		s.global = rng.IntN(10) < globalShare
		s.home = countries[rng.IntN(len(countries))].lang
		kind := rng.IntN(10)
		if kind < 2 && shortCodes >= maxShortCodes {
			kind = 9
		}
		switch kind {
		case 0, 1:
			shortCodes++
			s.name = strconv.Itoa(10000 + rng.IntN(890000)) // a short code
		case 2:
			s.name = randomMobile(rng)
		default:
			s.name = namePrefix[rng.IntN(len(namePrefix))] + nameSuffix[rng.IntN(len(nameSuffix))]
			if rng.IntN(3) == 0 || keys[strings.ToLower(s.name)] {
				s.name += strconv.Itoa(rng.IntN(1000))
			}
			if len(s.name) > 11 { // the longest alphanumeric sender SMS allows
				s.name = s.name[:11]
			}
		}
		add(s)
	}
	return out
}

// randomMobile is a valid mobile number of one of the demo countries, as a
// numeric sender sends it.
func randomMobile(rng *rand.Rand) string {
	for {
		c := countries[rng.IntN(len(countries))]
		ex := phonenumbers.GetExampleNumberForType(c.code, phonenumbers.MOBILE)
		if ex == nil {
			continue
		}
		nsn := phonenumbers.GetNationalSignificantNumber(ex)
		if len(nsn) <= 6 {
			continue
		}
		cand := "+" + strconv.Itoa(int(ex.GetCountryCode())) + nsn[:len(nsn)-6] + fmt.Sprintf("%06d", rng.IntN(1000000))
		if _, _, err := phone.ParseNumber(cand); err == nil {
			return cand
		}
	}
}

// generator draws the messages. Each batch has its own random stream, so
// batches can be drawn in any order and give the same messages.
type generator struct {
	opts    Options
	nums    []number
	senders []sender
	sendCum []float64 // cumulative sender weights
	numCum  []float64 // cumulative number weights
	times   []int64   // received times, Unix ms, ascending
	forced  []int32   // sender of a message that is set so every sender has one; -1 when drawn
}

func newGenerator(opts Options, nums []number, senders []sender) *generator {
	g := &generator{opts: opts, nums: nums, senders: senders}
	g.sendCum = cumulative(len(senders), zipfExponent(len(senders), busiestShare))
	g.numCum = cumulative(len(nums), 0.5)
	g.times = receivedTimes(opts)
	g.forced = forcedSenders(opts, len(senders))
	return g
}

// zipfExponent finds s such that the first of n items weighted 1/(i+1)^s
// holds share of the total; 0 (all alike) when even that gives more.
func zipfExponent(n int, share float64) float64 {
	first := func(s float64) float64 {
		var h float64
		for i := 1; i <= n; i++ {
			h += math.Pow(float64(i), -s)
		}
		return 1 / h
	}
	if n <= 1 || first(0) >= share {
		return 0
	}
	lo, hi := 0.0, 4.0
	for range 40 {
		mid := (lo + hi) / 2
		if first(mid) < share {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

func cumulative(n int, s float64) []float64 {
	out := make([]float64, n)
	var sum float64
	for i := range n {
		sum += math.Pow(float64(i+1), -s)
		out[i] = sum
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

func draw(rng *rand.Rand, cum []float64) int {
	i, _ := slices.BinarySearch(cum, rng.Float64())
	return min(i, len(cum)-1)
}

// receivedTimes spreads the messages over the window, fewer at night (UTC).
func receivedTimes(opts Options) []int64 {
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x74696d6573))
	end := opts.Now.UnixMilli()
	span := int64(opts.Days) * 24 * 3600 * 1000
	out := make([]int64, opts.Messages)
	for i := range out {
		for {
			t := end - rng.Int64N(span)
			hour := (t / 3600000) % 24
			w := 0.35 + 0.65*math.Sin(math.Pi*float64(hour)/24)
			if rng.Float64() < w {
				out[i] = t
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// forcedSenders places one message of every sender at a random position
// (as far as there are messages), so that no sender of the set is left
// without one.
func forcedSenders(opts Options, senders int) []int32 {
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x666f72636564))
	out := make([]int32, opts.Messages)
	for i := range out {
		out[i] = -1
	}
	for s := 0; s < min(senders, opts.Messages); s++ {
		p := rng.IntN(opts.Messages)
		for out[p] >= 0 {
			p = (p + 1) % opts.Messages
		}
		out[p] = int32(s)
	}
	return out
}

func (g *generator) batch(from, to int) []store.Inbound {
	rng := rand.New(rand.NewPCG(uint64(g.opts.Seed), uint64(from)<<1|1))
	out := make([]store.Inbound, 0, to-from)
	mid := g.opts.Now.UnixMilli() - int64(g.opts.Days)*12*3600*1000
	for i := from; i < to; i++ {
		si := draw(rng, g.sendCum)
		if f := g.forced[i]; f >= 0 {
			si = int(f)
		}
		s := &g.senders[si]
		ni := draw(rng, g.numCum)
		if len(g.nums) > 1 && ni == len(g.nums)-1 && g.times[i] > mid {
			ni = 0 // the retired number got nothing lately
		}
		n := &g.nums[ni]
		received := time.UnixMilli(g.times[i]).UTC()
		in := store.Inbound{
			To:         n.e164,
			From:       s.name,
			Body:       g.body(rng, s, n),
			ReceivedAt: received,
			Source:     Source,
			SourceID:   "demo-" + strconv.FormatInt(g.opts.Seed, 10) + "-" + strconv.Itoa(i),
		}
		if rng.IntN(100) >= 12 { // most arrive with the network's time stamp
			delay := time.Duration(1+rng.IntN(6)) * time.Second
			if rng.IntN(20) == 0 {
				delay = time.Duration(10+rng.IntN(80)) * time.Second
			}
			in.SentAt = received.Add(-delay).Truncate(time.Second)
		}
		out = append(out, in)
	}
	return out
}

func (g *generator) body(rng *rand.Rand, s *sender, n *number) string {
	var tmpl string
	lang := n.lang
	if s.tmpl == nil && !s.global {
		lang = s.home
	}
	switch {
	case len(s.tmpl[lang]) > 0:
		tmpl = s.tmpl[lang][rng.IntN(len(s.tmpl[lang]))]
	case s.tmpl == nil || s.global:
		set := generic[lang]
		if s.code == codeNone || (s.tmpl == nil && rng.IntN(25) == 0) {
			set = notices[lang]
		}
		// A sender keeps to one or two of the generic formats.
		tmpl = set[(int(s.pick)+rng.IntN(2))%len(set)]
	default:
		home := s.tmpl[s.langs[0]]
		tmpl = home[rng.IntN(len(home))]
	}
	name := s.name
	if name != "" && name[0] >= '0' && name[0] <= '9' || strings.HasPrefix(name, "+") {
		name = "Service"
	}
	code := makeCode(rng, s.code)
	var b strings.Builder
	b.Grow(len(tmpl) + 16)
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:i])
		switch tmpl[i+1 : i+j] {
		case "brand":
			b.WriteString(name)
		case "code":
			b.WriteString(code)
		case "plain":
			b.WriteString(strings.Map(keepDigit, code))
		case "amount":
			b.WriteString(amount(rng, lang))
		case "ref":
			b.WriteString(reference(rng))
		case "card":
			b.WriteString(digits(rng, 4))
		default:
			b.WriteString(tmpl[i : i+j+1])
		}
		tmpl = tmpl[i+j+1:]
	}
	return b.String()
}

func keepDigit(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}

func digits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}

const alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func makeCode(rng *rand.Rand, k codeKind) string {
	switch k {
	case codeDigits4:
		return digits(rng, 4)
	case codeDigits5:
		return digits(rng, 5)
	case codeDigits7:
		return digits(rng, 7)
	case codeDigits8:
		return digits(rng, 8)
	case codeDash6:
		return digits(rng, 3) + "-" + digits(rng, 3)
	case codeSpace6:
		return digits(rng, 3) + " " + digits(rng, 3)
	case codeG6:
		return "G-" + digits(rng, 6)
	case codeFB5:
		return "FB-" + digits(rng, 5)
	case codeAlnum6, codeAlnum8:
		n := 6
		if k == codeAlnum8 {
			n = 8
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = alnum[rng.IntN(len(alnum))]
		}
		// Every code has a digit among its first three characters and a
		// letter after it, so it reads as a code and not as a word with a
		// number ("SAVE20").
		d := rng.IntN(3)
		b[d] = alnum[24+rng.IntN(8)]
		b[d+1+rng.IntN(n-d-1)] = alnum[rng.IntN(24)]
		return string(b)
	default:
		return digits(rng, 6)
	}
}

func amount(rng *rand.Rand, lang string) string {
	v := float64(100+rng.IntN(50000)) / 100
	switch lang {
	case "de", "fr", "es", "pt", "tr":
		return strings.Replace(strconv.FormatFloat(v, 'f', 2, 64), ".", ",", 1) + " €"
	case "ru":
		return strconv.FormatFloat(v*90, 'f', 2, 64) + " ₽"
	case "zh":
		return "¥" + strconv.FormatFloat(v*7, 'f', 2, 64)
	case "hi":
		return "₹" + strconv.FormatFloat(v*80, 'f', 2, 64)
	case "ar":
		return strconv.FormatFloat(v*4, 'f', 2, 64) + " SAR"
	}
	return "$" + strconv.FormatFloat(v, 'f', 2, 64)
}

func reference(rng *rand.Rand) string {
	if rng.IntN(2) == 0 {
		return merchants[rng.IntN(len(merchants))]
	}
	return "JD" + digits(rng, 10)
}

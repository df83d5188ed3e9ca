package store

import "time"

// Number statuses. A pending number has received messages but was never
// added by the operator: its messages are kept unpublished.
const (
	StatusPending = "pending"
	StatusActive  = "active"
	StatusRetired = "retired"
)

// Number is a receiving number the site may publish.
type Number struct {
	ID            int64
	E164          string // "+447400123456"
	Country       string // ISO 3166-1 alpha-2, upper case
	Label         string
	Status        string
	AddedAt       time.Time
	LastMessageAt time.Time // zero when it never received a message
	Messages      int64     // published, not hidden
}

// Digits is the number's URL key: its E.164 form without "+".
func (n Number) Digits() string {
	if len(n.E164) > 0 && n.E164[0] == '+' {
		return n.E164[1:]
	}
	return n.E164
}

// Published reports whether the number's messages are public.
func (n Number) Published() bool { return n.Status == StatusActive || n.Status == StatusRetired }

// Message is one stored SMS (a multi-part message is one Message).
type Message struct {
	ID            int64
	NumberID      int64
	Number        string // E.164 of the receiving number
	Country       string // ISO alpha-2, upper case
	From          string // sender as received
	SenderKey     string
	SenderDisplay string
	Body          string
	Binary        []byte    // non-text content (never shown as text); Body is empty then
	SentAt        time.Time // network (SMSC) timestamp; zero when unknown
	ReceivedAt    time.Time // when the receiving side got it
	StoredAt      time.Time
	Source        string
	SourceID      string
	Code          string // extracted verification code, "" when none
	Template      string // body with the code and other variable parts masked
	Hidden        bool
	Published     bool
	Parts         int
	Incomplete    bool
}

// Delay is how long the network took to deliver the message, and whether it
// is known.
func (m Message) Delay() (time.Duration, bool) {
	if m.SentAt.IsZero() || m.ReceivedAt.IsZero() {
		return 0, false
	}
	d := m.ReceivedAt.Sub(m.SentAt)
	if d < 0 {
		d = 0
	}
	return d, true
}

// NumberDigits is the receiving number's URL key.
func (m Message) NumberDigits() string { return Number{E164: m.Number}.Digits() }

// Sender is everyone who sent messages under one normalized key.
type Sender struct {
	ID        int64
	Key       string
	Display   string
	Messages  int64 // published, not hidden
	FirstSeen time.Time
	LastSeen  time.Time
	Blocked   bool
}

// Country is one country with published numbers.
type Country struct {
	Code          string // upper case
	Numbers       int64  // active numbers
	Messages      int64
	LastMessageAt time.Time
}

// Inbound is one received SMS as an ingest path hands it to the store.
type Inbound struct {
	To         string    // receiving number, E.164 or anything phonenumbers parses
	From       string    // sender as received
	Body       string    // text; must be valid UTF-8 (invalid bytes are replaced)
	Binary     []byte    // binary content instead of text
	SentAt     time.Time // zero when unknown
	ReceivedAt time.Time // zero means now
	Source     string    // "twilio", "modem:/dev/ttyUSB0", "import", ...
	SourceID   string    // the source's own id; "" when it has none
	Parts      int       // 0 means 1
	Incomplete bool
}

// Result tells what storing one Inbound did.
type Result struct {
	ID        int64
	Duplicate bool // it was stored before; ID is the earlier row
	Published bool
	Err       error // set by batch inserts when this item was refused
}

// Part is one piece of a multi-part message that its source did not
// reassemble. Parts are kept until all arrived or a timeout passed.
type Part struct {
	Inbound        // To, From, SentAt, ReceivedAt, Source; SourceID of this part
	Ref     int    // concatenation reference
	RefBits int    // 8 or 16
	Total   int    // parts in the message
	Seq     int    // 1-based
	Text    string // this part's text, when it is decoded on its own
	UCS2    []byte // this part's raw UCS-2 bytes, joined before decoding
}

// Filter selects a listing of published, visible messages, newest first.
type Filter struct {
	NumberID  int64
	SenderKey string
	Country   string // upper or lower case
	Before    int64  // continue after this message id (older ones)
	After     int64  // only messages with a greater id
	Limit     int    // 1..200, default 50
}

// Format is one message template of a sender.
type Format struct {
	Template   string
	Messages   int64
	CodeLength int
	Alphabet   string // "digits", "letters", "alnum", "" when no code
	Language   string // ISO 639-1, "" when unknown
	ExampleID  int64
}

// Profile is what the sender page shows above its messages.
type Profile struct {
	Sender      Sender
	Formats     []Format
	CodeLengths map[int]int64
	DelayP50    float64 // seconds; valid when DelayKnown
	DelayP90    float64
	DelayKnown  bool
	Numbers     []Number // numbers it reached, most recent first
	Countries   []string
}

// AuditEntry is one admin action.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string
	Action string
	Target string
	Reason string
}

// Package pdu decodes SMS-DELIVER TPDUs (3GPP TS 23.040) as GSM modems
// give them in PDU mode (3GPP TS 27.005), with the alphabets and national
// language tables of 3GPP TS 23.038.
//
// Every input is untrusted: a malformed PDU yields an error, never a panic.
package pdu

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Deliver is one decoded SMS-DELIVER TPDU.
type Deliver struct {
	SMSC       string    // "+2782913593", "" when absent
	Sender     string    // "+27821234567" international; digits as given for national and short codes; decoded text for alphanumeric
	SenderType string    // "international", "national", "shortcode", "alphanumeric", "unknown"
	PID        byte      // TP-PID as received
	DCS        byte      // TP-DCS as received
	Class      int       // message class 0-3, -1 when none
	SentAt     time.Time // service-centre timestamp in its own zone
	Encoding   string    // "gsm7", "ucs2", "8bit"
	Text       string    // decoded text; "" for binary content
	UserData   []byte    // user data without its header (raw UCS-2 bytes for ucs2, raw octets for 8bit, septets for port-addressed gsm7); nil for gsm7 text
	Binary     bool      // content is binary (8-bit data, compressed, or application-port addressed): never show as text
	Concat     *Concat   // nil when single-part
	Ports      *Ports    // nil without an application-port IE
	MoreToSend bool      // TP-MMS: the service centre has more messages waiting
}

// Concat is the concatenation information element of one part.
type Concat struct {
	Ref     int // reference shared by the parts of one message
	RefBits int // 8 or 16
	Total   int // number of parts
	Seq     int // this part's position, from 1
}

// Ports is the application port addressing information element.
type Ports struct {
	Dst int
	Src int
}

// Encodings of the user data.
const (
	EncodingGSM7 = "gsm7"
	EncodingUCS2 = "ucs2"
	Encoding8Bit = "8bit"
)

// Sender types.
const (
	SenderInternational = "international"
	SenderNational      = "national"
	SenderShortcode     = "shortcode"
	SenderAlphanumeric  = "alphanumeric"
	SenderUnknown       = "unknown"
)

// NotDeliverError is returned for PDUs whose message type is not SMS-DELIVER.
type NotDeliverError struct {
	Type string // "status_report", "submit", "reserved"
}

func (e *NotDeliverError) Error() string {
	name := map[string]string{"status_report": "a status report", "submit": "an SMS-SUBMIT", "reserved": "of the reserved message type 3"}[e.Type]
	if name == "" {
		name = "of type " + e.Type
	}
	return fmt.Sprintf("the PDU is %s, not an SMS-DELIVER", name)
}

// ErrEmpty is returned for an empty input.
var ErrEmpty = errors.New("the PDU is empty")

// reader walks a TPDU, failing with a sentence that names the field it could not read.
type reader struct {
	b   []byte
	off int
}

func (r *reader) byte(field string) (byte, error) {
	if r.off >= len(r.b) {
		return 0, fmt.Errorf("the PDU ends before the %s (at octet %d)", field, r.off)
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) bytes(n int, field string) ([]byte, error) {
	if n < 0 || len(r.b)-r.off < n {
		return nil, fmt.Errorf("the PDU ends inside the %s (needs %d octets at octet %d, has %d)", field, n, r.off, len(r.b)-r.off)
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s, nil
}

// DecodeHex decodes a TPDU given as hexadecimal, as modems print it.
// Surrounding white space and either letter case are accepted.
func DecodeHex(s string, hasSMSC bool) (*Deliver, error) {
	b, err := parseHex(s)
	if err != nil {
		return nil, err
	}
	return Decode(b, hasSMSC)
}

func parseHex(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ErrEmpty
	}
	if len(s)%2 != 0 {
		return nil, fmt.Errorf("the hex input has an odd number of digits (%d)", len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		var ie hex.InvalidByteError
		if errors.As(err, &ie) {
			return nil, fmt.Errorf("the hex input holds the character %q, which is not a hex digit", rune(ie))
		}
		return nil, fmt.Errorf("the hex input is not valid: %v", err)
	}
	return b, nil
}

// Decode decodes one SMS-DELIVER TPDU. hasSMSC says whether the SMSC address
// field leads (as +CMGR, +CMGL and +CMT give it).
func Decode(b []byte, hasSMSC bool) (*Deliver, error) {
	if len(b) == 0 {
		return nil, ErrEmpty
	}
	r := &reader{b: b}
	d := &Deliver{Class: -1}
	if hasSMSC {
		smsc, err := readSMSC(r)
		if err != nil {
			return nil, err
		}
		d.SMSC = smsc
	}
	fo, err := r.byte("first octet")
	if err != nil {
		return nil, err
	}
	switch fo & 0x03 {
	case 0:
	case 1:
		return nil, &NotDeliverError{Type: "submit"}
	case 2:
		return nil, &NotDeliverError{Type: "status_report"}
	default:
		return nil, &NotDeliverError{Type: "reserved"}
	}
	d.MoreToSend = fo&0x04 == 0
	udhi := fo&0x40 != 0

	if d.Sender, d.SenderType, err = readAddress(r); err != nil {
		return nil, err
	}
	if d.PID, err = r.byte("protocol identifier"); err != nil {
		return nil, err
	}
	if d.DCS, err = r.byte("data coding scheme"); err != nil {
		return nil, err
	}
	dcs, err := parseDCS(d.DCS)
	if err != nil {
		return nil, err
	}
	d.Class = dcs.class
	d.Encoding = dcs.encoding
	ts, err := r.bytes(7, "service-centre timestamp")
	if err != nil {
		return nil, err
	}
	if d.SentAt, err = parseTimestamp(ts); err != nil {
		return nil, err
	}
	udl, err := r.byte("user data length")
	if err != nil {
		return nil, err
	}
	if err := decodeUserData(d, r.b[r.off:], int(udl), udhi, dcs.compressed); err != nil {
		return nil, err
	}
	return d, nil
}

// readSMSC reads the leading SMSC address (TS 24.011 RP-address: its
// length counts octets, type of address included).
func readSMSC(r *reader) (string, error) {
	n, err := r.byte("SMSC address length")
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", nil
	}
	if n > 11 {
		return "", fmt.Errorf("the SMSC address length %d is over the 11 octets allowed", n)
	}
	f, err := r.bytes(int(n), "SMSC address")
	if err != nil {
		return "", err
	}
	toa := f[0]
	digits, err := bcdDigits(f[1:], 2*(len(f)-1), true, "SMSC address")
	if err != nil {
		return "", err
	}
	if (toa>>4)&0x07 == 1 && digits != "" {
		return "+" + digits, nil
	}
	return digits, nil
}

// readAddress reads TP-OA: its length counts useful semi-octets.
func readAddress(r *reader) (addr, kind string, err error) {
	n, err := r.byte("originating address length")
	if err != nil {
		return "", "", err
	}
	if n > 20 {
		return "", "", fmt.Errorf("the originating address length %d is over the 20 digits allowed", n)
	}
	toa, err := r.byte("originating address type")
	if err != nil {
		return "", "", err
	}
	f, err := r.bytes((int(n)+1)/2, "originating address")
	if err != nil {
		return "", "", err
	}
	ton := (toa >> 4) & 0x07
	if ton == 5 {
		septets := unpackSeptets(f, 0, int(n)*4/7)
		text, err := decodeSeptets(septets, defaultTables())
		if err != nil {
			return "", "", fmt.Errorf("the alphanumeric sender is not valid: %w", err)
		}
		return text, SenderAlphanumeric, nil
	}
	digits, err := bcdDigits(f, int(n), false, "originating address")
	if err != nil {
		return "", "", err
	}
	switch ton {
	case 1:
		return "+" + digits, SenderInternational, nil
	case 2, 4:
		return digits, SenderNational, nil
	case 3, 6:
		return digits, SenderShortcode, nil
	case 0:
		if len(digits) > 0 && len(digits) <= 8 {
			return digits, SenderShortcode, nil
		}
		return digits, SenderUnknown, nil
	default:
		return "", "", fmt.Errorf("the originating address type 0x%02X uses the reserved type of number 7", toa)
	}
}

// bcdDigits reads n semi-octets (low nibble first). 0xA-0xE are the
// telephony characters * # a b c; 0xF may only fill the last semi-octet,
// and ends an SMSC address early when trailing is set.
func bcdDigits(f []byte, n int, trailing bool, field string) (string, error) {
	const chars = "0123456789*#abc"
	var sb strings.Builder
	sb.Grow(n)
	for i := 0; i < n; i++ {
		c := f[i/2]
		if i%2 == 1 {
			c >>= 4
		}
		c &= 0x0F
		if c == 0x0F {
			if trailing && i == n-1 {
				break
			}
			return "", fmt.Errorf("the %s has a filler semi-octet F in the middle of its digits", field)
		}
		sb.WriteByte(chars[c])
	}
	return sb.String(), nil
}

// dcsInfo is what TP-DCS says about the user data (TS 23.038 clause 4).
type dcsInfo struct {
	encoding   string
	class      int
	compressed bool
}

func parseDCS(b byte) (dcsInfo, error) {
	info := dcsInfo{encoding: EncodingGSM7, class: -1}
	switch {
	case b < 0x80: // general data coding (00xx) and automatic deletion (01xx) groups
		info.compressed = b&0x20 != 0
		if b&0x10 != 0 {
			info.class = int(b & 0x03)
		}
		switch (b >> 2) & 0x03 {
		case 1:
			info.encoding = Encoding8Bit
		case 2:
			info.encoding = EncodingUCS2
		case 3:
			return info, fmt.Errorf("the data coding scheme 0x%02X names the reserved alphabet 11", b)
		}
	case b < 0xC0:
		return info, fmt.Errorf("the data coding scheme 0x%02X is in a reserved coding group", b)
	case b < 0xE0: // message waiting indication, discard or store, GSM 7-bit
	case b < 0xF0: // message waiting indication, store, UCS-2
		info.encoding = EncodingUCS2
	default: // data coding / message class
		if b&0x04 != 0 {
			info.encoding = Encoding8Bit
		}
		info.class = int(b & 0x03)
	}
	return info, nil
}

// parseTimestamp reads TP-SCTS: seven octets of swapped BCD, the last the
// zone in quarter hours with its sign in bit 3.
func parseTimestamp(t []byte) (time.Time, error) {
	var v [6]int
	names := [6]string{"year", "month", "day", "hour", "minute", "second"}
	for i := 0; i < 6; i++ {
		lo, hi := int(t[i]&0x0F), int(t[i]>>4)
		if lo > 9 || hi > 9 {
			return time.Time{}, fmt.Errorf("the timestamp's %s octet 0x%02X is not BCD", names[i], t[i])
		}
		v[i] = lo*10 + hi
	}
	tz := t[6]
	tzTens, tzUnits := int(tz&0x07), int(tz>>4)
	if tzUnits > 9 {
		return time.Time{}, fmt.Errorf("the timestamp's zone octet 0x%02X is not BCD", tz)
	}
	quarters := tzTens*10 + tzUnits
	if quarters > 14*4 {
		return time.Time{}, fmt.Errorf("the timestamp's zone octet 0x%02X is %d quarter hours, more than 14 hours", tz, quarters)
	}
	offset := quarters * 15 * 60
	if tz&0x08 != 0 {
		offset = -offset
	}
	year := 2000 + v[0]
	if v[0] >= 90 {
		year = 1900 + v[0]
	}
	month, day, hour, minute, second := v[1], v[2], v[3], v[4], v[5]
	if month < 1 || month > 12 {
		return time.Time{}, fmt.Errorf("the timestamp's month %d is not a month", month)
	}
	if day < 1 || day > daysIn(year, month) {
		return time.Time{}, fmt.Errorf("the timestamp's day %d is not a day of month %d", day, month)
	}
	if hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, fmt.Errorf("the timestamp's time %02d:%02d:%02d is not a time of day", hour, minute, second)
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, 0, zone(offset)), nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// zones holds one fixed zone for each quarter hour from -14:00 to +14:00,
// named the way RFC 3339 writes the offset.
var zones = func() (z [2*56 + 1]*time.Location) {
	for q := -56; q <= 56; q++ {
		sign, o := '+', q*15*60
		if o < 0 {
			sign, o = '-', -o
		}
		z[q+56] = time.FixedZone(fmt.Sprintf("%c%02d:%02d", sign, o/3600, o%3600/60), q*15*60)
	}
	return z
}()

func zone(offset int) *time.Location {
	return zones[offset/(15*60)+56]
}

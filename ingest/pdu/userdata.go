package pdu

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Information element identifiers of the user data header (TS 23.040 9.2.3.24).
const (
	ieConcat8      = 0x00
	iePorts8       = 0x04
	iePorts16      = 0x05
	ieConcat16     = 0x08
	ieSingleShift  = 0x24
	ieLockingShift = 0x25
)

// header is what the user data header says.
type header struct {
	concat   *Concat
	ports    *Ports
	single   int // national language single-shift table, 0 for the default extension table
	locking  int // national language locking-shift table, 0 for the default alphabet
	hasShift bool
}

// ieLength is the fixed length of the elements this package reads, 0 for others.
func ieLength(id byte) int {
	switch id {
	case ieConcat8:
		return 3
	case ieConcat16, iePorts16:
		return 4
	case iePorts8:
		return 2
	case ieSingleShift, ieLockingShift:
		return 1
	}
	return 0
}

func parseHeader(h []byte) (header, error) {
	var hd header
	for i := 0; i < len(h); {
		if len(h)-i < 2 {
			return hd, fmt.Errorf("the user data header ends inside an information element at octet %d", i)
		}
		id, n := h[i], int(h[i+1])
		i += 2
		if len(h)-i < n {
			return hd, fmt.Errorf("the information element 0x%02X of length %d overruns the user data header", id, n)
		}
		v := h[i : i+n]
		i += n
		if w := ieLength(id); w > 0 && n != w {
			return hd, fmt.Errorf("the information element 0x%02X has length %d instead of %d", id, n, w)
		}
		// A repeated element counts by its last occurrence (TS 23.040 9.2.3.24).
		switch id {
		case ieConcat8, ieConcat16:
			c := &Concat{RefBits: 8, Ref: int(v[0]), Total: int(v[1]), Seq: int(v[2])}
			if id == ieConcat16 {
				c = &Concat{RefBits: 16, Ref: int(v[0])<<8 | int(v[1]), Total: int(v[2]), Seq: int(v[3])}
			}
			if c.Total == 0 {
				return hd, fmt.Errorf("the concatenation header says the message has 0 parts")
			}
			if c.Seq == 0 || c.Seq > c.Total {
				return hd, fmt.Errorf("the concatenation header names part %d of %d", c.Seq, c.Total)
			}
			hd.concat = c
		case iePorts8:
			hd.ports = &Ports{Dst: int(v[0]), Src: int(v[1])}
		case iePorts16:
			hd.ports = &Ports{Dst: int(v[0])<<8 | int(v[1]), Src: int(v[2])<<8 | int(v[3])}
		case ieSingleShift:
			hd.single = int(v[0])
			hd.hasShift = true
		case ieLockingShift:
			hd.locking = int(v[0])
			hd.hasShift = true
		}
	}
	return hd, nil
}

// decodeUserData fills d's content from the octets after TP-UDL.
func decodeUserData(d *Deliver, ud []byte, udl int, udhi, compressed bool) error {
	var octets int
	if d.Encoding == EncodingGSM7 && !compressed {
		if udl > 160 {
			return fmt.Errorf("the user data length %d is over the 160 septets allowed", udl)
		}
		octets = (udl*7 + 7) / 8
	} else {
		if udl > 140 {
			return fmt.Errorf("the user data length %d is over the 140 octets allowed", udl)
		}
		octets = udl
	}
	if len(ud) < octets {
		return fmt.Errorf("the user data is %d octets long, shorter than its length field says (%d)", len(ud), octets)
	}
	ud = ud[:octets] // octets past TP-UDL are not part of the message

	var hd header
	headerOctets := 0
	if udhi {
		if len(ud) == 0 {
			return fmt.Errorf("the user data header indicator is set but the user data is empty")
		}
		headerOctets = 1 + int(ud[0])
		if headerOctets > len(ud) {
			return fmt.Errorf("the user data header length %d overruns the user data", ud[0])
		}
		var err error
		if hd, err = parseHeader(ud[1:headerOctets]); err != nil {
			return err
		}
		d.Concat, d.Ports = hd.concat, hd.ports
	}
	d.Binary = d.Encoding == Encoding8Bit || compressed || hd.ports != nil
	if compressed {
		d.Encoding = Encoding8Bit
	}

	switch d.Encoding {
	case EncodingGSM7:
		// The text starts at the first septet boundary after the header.
		skip := (headerOctets*8 + 6) / 7
		if skip > udl {
			return fmt.Errorf("the user data header is longer than the user data length says")
		}
		septets := unpackSeptets(ud, skip*7, udl-skip)
		if d.Binary {
			d.UserData = septets
			return nil
		}
		text, err := decodeSeptets(septets, tablesFor(hd))
		if err != nil {
			return err
		}
		d.Text = text
	case EncodingUCS2:
		body := ud[headerOctets:]
		if len(body)%2 != 0 {
			return fmt.Errorf("the UCS-2 user data has an odd number of octets (%d)", len(body))
		}
		d.UserData = body
		if !d.Binary {
			d.Text = JoinUCS2(body)
		}
	default:
		d.UserData = ud[headerOctets:]
	}
	return nil
}

// unpackSeptets reads n septets starting at bit offset start (septets are
// packed least significant bit first, TS 23.038 6.1.2.1.1). It never reads
// past b; missing bits are zero.
func unpackSeptets(b []byte, start, n int) []byte {
	if n <= 0 {
		return nil
	}
	out := make([]byte, n)
	for i := 0; i < n; i++ {
		bit := start + i*7
		idx, shift := bit/8, uint(bit%8)
		var v uint16
		if idx < len(b) {
			v = uint16(b[idx])
		}
		if idx+1 < len(b) {
			v |= uint16(b[idx+1]) << 8
		}
		out[i] = byte(v>>shift) & 0x7F
	}
	return out
}

// tables is a pair of character tables: the main one and the one reached by escape.
type tables struct {
	main, ext *[128]rune
	name      string // language of the main table, for errors
}

const esc = -1

func defaultTables() tables {
	return tables{main: lockingTables[0], ext: shiftTables[0], name: languageNames[0]}
}

// tablesFor picks the tables the header's national language IEs select.
// An identifier without a table falls back to the default (TS 23.038 6.2.1.2.4).
func tablesFor(hd header) tables {
	t := defaultTables()
	if hd.locking > 0 && hd.locking < len(lockingTables) && lockingTables[hd.locking] != nil {
		t.main, t.name = lockingTables[hd.locking], languageNames[hd.locking]
	}
	if hd.single > 0 && hd.single < len(shiftTables) {
		t.ext = shiftTables[hd.single]
	}
	return t
}

// decodeSeptets maps septets to text. An escape followed by a code the
// extension table lacks shows the main table's character; a second escape
// shows a space (TS 23.038 6.2.1.1). A trailing escape or a code that the
// main table leaves undefined is an error.
func decodeSeptets(s []byte, t tables) (string, error) {
	var sb strings.Builder
	sb.Grow(len(s) + len(s)/2)
	for i := 0; i < len(s); i++ {
		r := t.main[s[i]]
		if r == esc {
			i++
			if i == len(s) {
				return "", fmt.Errorf("the text ends with an escape septet")
			}
			c := s[i]
			switch {
			case c == 0x1B:
				r = ' '
			case t.ext[c] != 0:
				r = t.ext[c]
			default:
				r = t.main[c]
			}
		}
		if r == 0 {
			return "", fmt.Errorf("the septet 0x%02X is not defined in the %s table", s[i], t.name)
		}
		sb.WriteRune(r)
	}
	return sb.String(), nil
}

// JoinUCS2 decodes the concatenated UCS-2 user data of several parts as
// UTF-16BE, so that a surrogate pair split across two parts decodes to
// one character. A lone surrogate or a dangling odd octet becomes U+FFFD.
func JoinUCS2(parts ...[]byte) string {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	units := make([]uint16, 0, n/2)
	var odd bool
	var carry byte
	for _, p := range parts {
		for _, c := range p {
			if odd {
				units = append(units, uint16(carry)<<8|uint16(c))
			} else {
				carry = c
			}
			odd = !odd
		}
	}
	buf := make([]byte, 0, n+n/2)
	for i := 0; i < len(units); i++ {
		u := rune(units[i])
		if utf16.IsSurrogate(u) {
			if u < 0xDC00 && i+1 < len(units) {
				if r := utf16.DecodeRune(u, rune(units[i+1])); r != utf8.RuneError {
					buf = utf8.AppendRune(buf, r)
					i++
					continue
				}
			}
			u = utf8.RuneError
		}
		buf = utf8.AppendRune(buf, u)
	}
	if odd {
		buf = utf8.AppendRune(buf, utf8.RuneError)
	}
	return string(buf)
}

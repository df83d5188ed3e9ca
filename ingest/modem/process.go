package modem

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"smsinbox/ingest/modem/at"
	"smsinbox/ingest/pdu"
	"smsinbox/store"
)

// entry is one message read from the modem.
type entry struct {
	slot   int // -1 when delivered directly (+CMT)
	stored at.Stored
	readAt time.Time
}

// commitWait bounds finishing a batch that was read before shutdown.
const commitWait = 30 * time.Second

// splitSMSC finds the TPDU in b, which may carry the SMSC address in front;
// length is the TPDU size the modem announced (-1 when unknown).
func splitSMSC(b []byte, length int) (tpdu []byte, hasSMSC bool, err error) {
	if len(b) == 0 {
		return nil, false, errors.New("the PDU is empty")
	}
	smsc := 1 + int(b[0])
	if length >= 0 {
		switch {
		case smsc+length == len(b):
			return b[smsc:], true, nil
		case len(b) == length:
			return b, false, nil
		}
		return nil, false, fmt.Errorf("the PDU is %d octets long, which does not match the %d the modem announced", len(b), length)
	}
	if smsc >= len(b) {
		return nil, false, errors.New("the PDU's service-centre address is longer than the PDU")
	}
	return b[smsc:], true, nil
}

// decode decodes a PDU the modem gave; id is hex sha256 of its TPDU (of
// the hex text when that does not decode), stable across reads.
func decode(st at.Stored) (id string, d *pdu.Deliver, err error) {
	b, err := hex.DecodeString(st.PDU)
	if err != nil {
		sum := sha256.Sum256([]byte(st.PDU))
		return hex.EncodeToString(sum[:]), nil, errors.New("the PDU is not hexadecimal")
	}
	tpdu, hasSMSC, err := splitSMSC(b, st.Length)
	if err != nil {
		sum := sha256.Sum256(b)
		return hex.EncodeToString(sum[:]), nil, err
	}
	sum := sha256.Sum256(tpdu)
	id = hex.EncodeToString(sum[:])
	d, err = pdu.Decode(b, hasSMSC)
	return id, d, err
}

func (w *Worker) inbound(d *pdu.Deliver, id string, readAt time.Time) store.Inbound {
	in := store.Inbound{
		To:         w.cfg.Number,
		From:       d.Sender,
		SentAt:     d.SentAt,
		ReceivedAt: readAt,
		Source:     w.source,
		SourceID:   id,
	}
	if d.Binary {
		in.Binary = d.UserData
	} else {
		in.Body = d.Text
	}
	return in
}

// isPart reports whether d is one part of a message the store must
// reassemble.
func isPart(d *pdu.Deliver) bool {
	return d.Concat != nil && d.Concat.Total > 1
}

func (w *Worker) part(d *pdu.Deliver, in store.Inbound) store.Part {
	p := store.Part{Inbound: in, Ref: d.Concat.Ref, RefBits: d.Concat.RefBits, Total: d.Concat.Total, Seq: d.Concat.Seq}
	p.Body = ""
	switch {
	case d.Binary:
		// in.Binary holds this part's octets; the store joins them.
	case d.Encoding == pdu.EncodingUCS2:
		p.UCS2 = d.UserData
	default:
		p.Text = d.Text
	}
	return p
}

// firstSight reports whether the message id is reported for the first
// time; what was reported is remembered in a bounded set.
func (w *Worker) firstSight(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.bad[id] {
		return false
	}
	if len(w.bad) > 10000 {
		clear(w.bad)
	}
	w.bad[id] = true
	return true
}

// badOnce logs a message that cannot be stored, once per message.
func (w *Worker) badOnce(id string, e entry, err error) {
	if !w.firstSight(id) {
		return
	}
	w.m.errors.WithLabelValues(w.cfg.Port, "decode").Inc()
	w.log.Error("a message on the modem cannot be stored; it stays on the modem", "slot", e.slot, "pdu", e.stored.PDU, "err", err.Error())
}

// skipOnce logs, once, a message of another type than SMS-DELIVER that
// stays on the modem (an outgoing message a phone stored).
func (w *Worker) skipOnce(id string, e entry, typ string) {
	if w.firstSight(id) {
		w.log.Info("a stored message that was not received stays on the modem", "slot", e.slot, "type", typ)
	}
}

func (w *Worker) markCommitted(id string) {
	w.mu.Lock()
	if len(w.committed) > 10000 {
		clear(w.committed)
	}
	w.committed[id] = w.cfg.Now()
	w.mu.Unlock()
}

func (w *Worker) wasCommitted(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.committed[id]
	return ok
}

func (w *Worker) stored(n int) {
	if n == 0 {
		return
	}
	w.m.messages.WithLabelValues(w.cfg.Port).Add(float64(n))
	w.update(func(s *Status) { s.Messages += int64(n); s.LastMessageAt = w.cfg.Now() })
}

// process stores a batch of messages read from the modem, then deletes from
// the modem those that are committed (and status reports). A message that
// cannot be stored stays on the modem.
func (s *session) process(ctx context.Context, batch []entry) error {
	if len(batch) == 0 {
		return nil
	}
	w := s.w
	// What was read is finished even when ctx ends meanwhile.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitWait)
	defer cancel()
	var del []int
	var singles []store.Inbound
	var slots []int
	var parts []store.Part
	var partSlots []int
	for _, e := range batch {
		if e.stored.Stat == 2 || e.stored.Stat == 3 {
			continue // outgoing messages a phone left in the memory
		}
		id, d, err := decode(e.stored)
		if err != nil {
			var nd *pdu.NotDeliverError
			if errors.As(err, &nd) {
				if nd.Type == "status_report" {
					del = append(del, e.slot)
				} else {
					w.skipOnce(id, e, nd.Type)
				}
				continue
			}
			w.badOnce(id, e, err)
			continue
		}
		if w.wasCommitted(id) {
			del = append(del, e.slot) // committed before; its delete failed
			continue
		}
		in := w.inbound(d, id, e.readAt)
		if isPart(d) {
			parts = append(parts, w.part(d, in))
			partSlots = append(partSlots, e.slot)
			continue
		}
		singles = append(singles, in)
		slots = append(slots, e.slot)
	}
	n := 0
	for i, p := range parts {
		res, complete, err := w.st.AddPart(cctx, p)
		if err != nil {
			if store.KindOf(err) == store.KindInvalid {
				w.badOnce(p.SourceID, entry{slot: partSlots[i]}, err)
				continue
			}
			w.fail("store", err)
			w.log.Error("storing a message part failed; it stays on the modem", "slot", partSlots[i], "err", err.Error())
			continue
		}
		w.markCommitted(p.SourceID)
		del = append(del, partSlots[i])
		if complete && !res.Duplicate {
			n++
		}
	}
	var results []store.Result
	var err error
	switch len(singles) {
	case 0:
	case 1:
		var r store.Result
		r, err = w.st.Ingest(cctx, singles[0])
		if err != nil && store.KindOf(err) == store.KindInvalid {
			r.Err, err = err, nil
		}
		results = []store.Result{r}
	default:
		results, err = w.st.InsertBatch(cctx, singles)
	}
	if err != nil {
		w.fail("store", err)
		w.log.Error("storing messages failed; they stay on the modem", "messages", len(singles), "err", err.Error())
		results = nil
	}
	for i, r := range results {
		if r.Err != nil {
			w.badOnce(singles[i].SourceID, entry{slot: slots[i]}, r.Err)
			continue
		}
		w.markCommitted(singles[i].SourceID)
		del = append(del, slots[i])
		if !r.Duplicate {
			n++
		}
	}
	w.stored(n)
	return s.delete(cctx, del)
}

// delete removes slots from the modem's memory. A delete that keeps
// failing is left to the next sweep, which finds the message committed.
func (s *session) delete(ctx context.Context, slots []int) error {
	slices.Sort(slots)
	slots = slices.Compact(slots)
	for _, slot := range slots {
		if slot < 0 {
			continue
		}
		_, err := s.cmd(ctx, fmt.Sprintf("AT+CMGD=%d", slot))
		if err == nil || at.Code(err) == 321 {
			continue
		}
		if !alive(err) {
			return err
		}
		s.w.fail("delete", err)
		s.w.log.Warn("deleting a stored message from the modem failed; the next sweep tries again", "slot", slot, "err", err.Error())
	}
	return nil
}

// directDelivery stores a message the modem passed on with +CMT, then
// acknowledges it. A message that could not be committed is not
// acknowledged, so the network delivers it again.
func (s *session) directDelivery(ctx context.Context, u at.URC) error {
	w := s.w
	readAt := w.cfg.Now()
	if u.PDU == "" {
		w.log.Warn("a directly delivered message came without its PDU", "args", u.Args)
		return nil
	}
	length, ok := at.ParseCMT(u.Args)
	if !ok {
		length = -1
	}
	e := entry{slot: -1, stored: at.Stored{Index: -1, Length: length, PDU: u.PDU}, readAt: readAt}
	id, d, err := decode(e.stored)
	var nd *pdu.NotDeliverError
	switch {
	case errors.As(err, &nd):
	case err != nil:
		// It can never be stored; the log keeps its PDU.
		w.badOnce(id, e, err)
	case w.wasCommitted(id):
	default:
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitWait)
		defer cancel()
		in := w.inbound(d, id, readAt)
		var res store.Result
		complete := true
		if isPart(d) {
			res, complete, err = w.st.AddPart(cctx, w.part(d, in))
		} else {
			res, err = w.st.Ingest(cctx, in)
		}
		switch {
		case err != nil && store.KindOf(err) == store.KindInvalid:
			w.badOnce(id, e, err)
		case err != nil:
			w.fail("store", err)
			w.log.Error("storing a directly delivered message failed; it is not acknowledged", "err", err.Error())
			return nil
		default:
			w.markCommitted(id)
			if complete && !res.Duplicate {
				w.stored(1)
			}
		}
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.CommandTimeout)
	defer cancel()
	if _, err := s.c.Command(actx, "AT+CNMA"); err != nil && !alive(err) {
		return err
	}
	return nil
}

package modem_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"smsinbox/ingest/modem/fakemodem"
	"smsinbox/store"
)

// ucs2Single builds a single-part UCS-2 SMS-DELIVER (with SMSC).
func ucs2Single(text string) string {
	ud := ""
	for _, r := range text {
		ud += fmt.Sprintf("%04X", r)
	}
	return testSMSC + "04" + oa(testSender) + "0008" + testSCTS + fmt.Sprintf("%02X", len(ud)/2) + ud
}

// BenchmarkWorker measures messages per second from a fake modem that
// delivers (+CMTI) as fast as the worker frees its memory, through read,
// commit and delete, against the store's own rate of one Insert per
// message in the same run.
func BenchmarkWorker(b *testing.B) {
	ctx := context.Background()

	// The store alone: one Insert per message.
	base := openStore(b, filepath.Join(b.TempDir(), "base.db"))
	defer base.Close()
	start := time.Now()
	for i := range b.N {
		_, err := base.Insert(ctx, store.Inbound{To: ourNumber, From: "+" + testSender, Body: fmt.Sprintf("Your code is %06d", i),
			ReceivedAt: t0, Source: "bench", SourceID: fmt.Sprint(i)})
		if err != nil {
			b.Fatal(err)
		}
	}
	insertRate := float64(b.N) / time.Since(start).Seconds()

	r := newRig(b, fakemodem.Options{Capacity: 255})
	r.fake.OnCommand(nil)
	pdus := make([]string, b.N)
	for i := range pdus {
		pdus[i] = ucs2Single(fmt.Sprintf("Your code is %06d", i))
	}
	r.start(r.config())
	r.waitCommand("AT+CMGL=4", 1)

	b.ResetTimer()
	start = time.Now()
	go func() {
		for _, p := range pdus {
			for r.fake.Deliver(p) < 0 {
				time.Sleep(100 * time.Microsecond) // memory full: wait for deletes
			}
		}
	}()
	deadline := time.Now().Add(5 * time.Minute)
	for r.w.Status().Messages < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("stored %d of %d messages", r.w.Status().Messages, b.N)
		}
		time.Sleep(200 * time.Microsecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	workerRate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(workerRate, "msgs/s")
	b.ReportMetric(insertRate, "insert_msgs/s")
	b.ReportMetric(workerRate/insertRate, "worker/insert")
	if n := len(r.messages()); n != b.N {
		b.Errorf("stored %d messages, want %d", n, b.N)
	}
}

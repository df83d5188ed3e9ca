package main

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/creack/pty"
)

// TestLogFormatAuto checks the default --log-format: text for a person at
// a terminal, JSON for a log collector reading a pipe or file.
func TestLogFormatAuto(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal on this machine: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	log, err := newLogger("serve", tty, "auto", "info")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := log.Handler().(*slog.TextHandler); !ok {
		t.Errorf("on a terminal the logs are %T, want text", log.Handler())
	}
	log, err = newLogger("serve", &bytes.Buffer{}, "auto", "info")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := log.Handler().(*slog.JSONHandler); !ok {
		t.Errorf("off a terminal the logs are %T, want JSON", log.Handler())
	}
	log, err = newLogger("serve", tty, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := log.Handler().(*slog.JSONHandler); !ok {
		t.Errorf("--log-format json on a terminal gives %T", log.Handler())
	}
}
